import type { Metadata } from "next";
import { AppShell } from "@/components/AppShell";
import { RequireSession } from "@/components/RequireSession";
import { AllTenants } from "./AllTenants";

export const metadata: Metadata = { title: "All tenants" };

export default function AdminPage() {
  return (
    <RequireSession>
      <AppShell>
        <h1>All tenants</h1>
        <AllTenants />
      </AppShell>
    </RequireSession>
  );
}
