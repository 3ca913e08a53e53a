import type { ReactNode } from "react";
import { AppShell } from "@/components/AppShell";
import { RequireSession } from "@/components/RequireSession";
import { SuspendedBanner } from "@/tenant/SuspendedBanner";
import { TenantProvider } from "@/tenant/TenantProvider";

/** Every page of a tenant: signed in, for a tenant, with the suspension banner when it applies. */
export default function TenantLayout({ children }: { children: ReactNode }) {
  return (
    <RequireSession needsTenant>
      <TenantProvider>
        <AppShell banner={<SuspendedBanner />}>{children}</AppShell>
      </TenantProvider>
    </RequireSession>
  );
}
