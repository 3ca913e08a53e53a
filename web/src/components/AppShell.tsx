"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { canManage, isPlatformAdmin } from "@/session/claims";
import { useSession } from "@/session/SessionProvider";

const TENANT_LINKS = [
  { href: "/", label: "Overview" },
  { href: "/projects", label: "Projects" },
  { href: "/members", label: "Members" },
  { href: "/profile", label: "Profile" },
];
const MANAGER_LINKS = [
  { href: "/billing", label: "Billing" },
  { href: "/settings", label: "Settings" },
];

/** The header every signed-in page shares: where you are, who you are, and the way out. */
export function AppShell({ children, banner }: { children: ReactNode; banner?: ReactNode }) {
  const session = useSession();
  const router = useRouter();
  const pathname = usePathname();
  const claims = session.state.status === "signed-in" ? session.state.claims : undefined;
  const links = [
    ...(claims?.tenant ? TENANT_LINKS : []),
    ...(claims?.tenant && canManage(claims) ? MANAGER_LINKS : []),
    ...(isPlatformAdmin(claims) ? [{ href: "/admin", label: "All tenants" }] : []),
  ];
  return (
    <>
      <header className="top">
        <Link className="brand" href="/">
          SaaScript{claims?.tenant ? ` · ${claims.tenant}` : ""}
        </Link>
        <nav aria-label="Main">
          <ul>
            {links.map((link) => (
              <li key={link.href}>
                <Link href={link.href} aria-current={isCurrent(pathname, link.href) ? "page" : undefined}>
                  {link.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {claims ? (
          <button
            type="button"
            className="button-secondary"
            onClick={async () => {
              await session.logout();
              router.push("/login");
            }}
          >
            Log out
          </button>
        ) : null}
      </header>
      {banner}
      <main id="main">{children}</main>
    </>
  );
}

function isCurrent(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}
