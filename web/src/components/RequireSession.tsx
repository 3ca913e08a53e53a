"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, type ReactNode } from "react";
import { useSession } from "@/session/SessionProvider";
import { Loading } from "./states";

/**
 * Pages behind a login. Anonymous visitors go to /login and come back afterwards; a session for
 * no tenant yet goes on with sign-up (`needsTenant`).
 */
export function RequireSession({ children, needsTenant = false }: { children: ReactNode; needsTenant?: boolean }) {
  const { state } = useSession();
  const router = useRouter();
  const pathname = usePathname();
  const missingTenant = state.status === "signed-in" && needsTenant && !state.claims.tenant;
  useEffect(() => {
    if (state.status === "anonymous") router.replace(`/login?next=${encodeURIComponent(pathname)}`);
    else if (missingTenant) router.replace("/signup");
  }, [state.status, missingTenant, router, pathname]);
  if (state.status !== "signed-in" || missingTenant) {
    return (
      <main id="main">
        <Loading what="your session" />
      </main>
    );
  }
  return <>{children}</>;
}
