"use client";

import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { Loading, Notice, ProblemAlert } from "@/components/states";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";
import { conditionsOf } from "@/tenant/tenant-view";
import { useTenant } from "@/tenant/TenantProvider";
import { DeleteTenant } from "./DeleteTenant";

export function Settings() {
  const { api } = useSession();
  const tenant = useTenant();
  const [problem, setProblem] = useState<Problem>();
  const [saved, setSaved] = useState(false);
  if (tenant.status === "loading") return <Loading what="the organisation" />;
  if (tenant.status === "error") return <ProblemAlert problem={tenant.problem} onRetry={tenant.reload} />;
  const view = tenant.data;
  const spec = view.spec;

  async function rename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const displayName = String(new FormData(event.currentTarget).get("displayName") ?? "");
    const answer = await result(api.PATCH("/api/tenants/current", { body: { displayName } }));
    setProblem(answer.ok ? undefined : answer.problem);
    setSaved(answer.ok);
    if (answer.ok) tenant.reload();
  }

  return (
    <>
      <section className="card" aria-labelledby="status-title">
        <h2 id="status-title">Status</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{view.name}</dd>
          <dt>Phase</dt>
          <dd data-testid="tenant-phase">{view.phase ?? "Pending"}</dd>
          <dt>Plan</dt>
          <dd>{spec.plan}</dd>
          <dt>Isolation</dt>
          <dd>{spec.isolation}</dd>
          <dt>Owners</dt>
          <dd>{spec.owners?.join(", ")}</dd>
        </dl>
        <table>
          <caption>Conditions, as the operator reports them</caption>
          <thead>
            <tr>
              <th scope="col">Condition</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {conditionsOf(view).map((c) => (
              <tr key={c.type}>
                <td>{c.type}</td>
                <td>{c.status}</td>
                <td>{c.reason}</td>
                <td>{c.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="name-title">
        <h2 id="name-title">Display name</h2>
        <form onSubmit={rename}>
          <Field label="Display name" name="displayName" defaultValue={spec.displayName ?? ""} required maxLength={100} />
          <ProblemAlert problem={problem} />
          {saved ? <Notice>Saved.</Notice> : null}
          <button type="submit" disabled={tenant.suspended}>
            Save
          </button>
        </form>
      </section>
      <DeleteTenant name={view.name} deleting={view.deleting} />
    </>
  );
}
