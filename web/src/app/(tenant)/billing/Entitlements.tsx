"use client";

import { useTenant } from "@/tenant/TenantProvider";

/** What the plan in force allows, as the operator wrote it on the Tenant. */
export function Entitlements() {
  const tenant = useTenant();
  if (tenant.status !== "ready") return null;
  const entitlements = tenant.data.entitlements;
  return (
    <section className="card" aria-labelledby="entitlements-title">
      <h2 id="entitlements-title">What your plan allows</h2>
      {entitlements ? (
        <dl className="facts" data-testid="entitlements">
          <dt>Projects</dt>
          <dd data-testid="max-projects">{entitlements.maxProjects}</dd>
          <dt>Members</dt>
          <dd>{entitlements.maxMembers}</dd>
          <dt>Requests per second</dt>
          <dd>{entitlements.requestsPerSecond}</dd>
          <dt>Isolation</dt>
          <dd>{entitlements.isolation}</dd>
        </dl>
      ) : (
        <p className="muted">The entitlements are being set up.</p>
      )}
    </section>
  );
}
