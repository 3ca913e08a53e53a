"use client";

import Link from "next/link";
import { canManage } from "@/session/claims";
import { useSession } from "@/session/SessionProvider";
import { conditionIs, conditionsOf } from "./tenant-view";
import { useTenant } from "./TenantProvider";

/** Says why nothing can be changed while the tenant is suspended, and what lifts it. */
export function SuspendedBanner() {
  const tenant = useTenant();
  const { state } = useSession();
  if (tenant.status !== "ready" || !tenant.suspended) return null;
  const forPayment = conditionIs(conditionsOf(tenant.data), "Suspended", "True") &&
    conditionsOf(tenant.data).some((c) => c.type === "Suspended" && c.reason.toLowerCase().includes("payment"));
  const manager = state.status === "signed-in" && canManage(state.claims);
  return (
    <div className="banner-suspended" role="alert" data-testid="suspended-banner">
      This organisation is suspended{forPayment ? " because a payment failed" : " by the platform"}. Its
      projects, members and profiles are unavailable, and nothing can be changed, until the suspension is
      lifted. Nothing has been deleted.
      {forPayment && manager ? (
        <>
          {" "}
          <Link href="/billing">Update the payment in Billing</Link>.
        </>
      ) : null}
    </div>
  );
}
