"use client";

import Link from "next/link";
import { Loading, ProblemAlert } from "@/components/states";
import { conditionIs, conditionsOf } from "@/tenant/tenant-view";
import { useTenant } from "@/tenant/TenantProvider";

export function Overview() {
  const tenant = useTenant();
  if (tenant.status === "loading") return <Loading what="your organisation" />;
  if (tenant.status === "error") return <ProblemAlert problem={tenant.problem} onRetry={tenant.reload} />;
  const view = tenant.data;
  const spec = view.spec;
  const ready = conditionIs(conditionsOf(view), "Ready", "True");
  return (
    <>
      <h1>{spec.displayName ?? view.name}</h1>
      <section className="card">
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="tenant-status">{ready ? "Ready" : (view.phase ?? "Being set up")}</dd>
          <dt>Plan</dt>
          <dd>{view.entitlements?.plan ?? spec.plan}</dd>
          <dt>Projects allowed</dt>
          <dd>{view.entitlements?.maxProjects ?? "…"}</dd>
        </dl>
        {!ready ? (
          <p>
            <Link href="/signup">Follow the set-up as it happens</Link>
          </p>
        ) : null}
      </section>
      <section className="card">
        <h2>Get going</h2>
        <ul>
          <li>
            <Link href="/projects">Create a project</Link> and add tasks
          </li>
          <li>
            <Link href="/members">Invite your team</Link>
          </li>
          <li>
            <Link href="/profile">Complete your profile</Link>
          </li>
        </ul>
      </section>
    </>
  );
}
