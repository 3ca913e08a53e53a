"use client";

import { useState } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { Empty, Loading, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import { useSession } from "@/session/SessionProvider";

/** For a platform admin: every tenant with its phase and plan (the tenants service checks the role). */
export function AllTenants() {
  const { api } = useSession();
  const [query, setQuery] = useState("");
  const tenants = useLoad(() => result(api.GET("/api/tenants")), [api]);
  if (tenants.status === "loading") return <Loading what="tenants" />;
  if (tenants.status === "error") return <ProblemAlert problem={tenants.problem} onRetry={tenants.reload} />;
  const rows = tenants.data.tenants.filter((t) => `${t.name} ${t.displayName}`.toLowerCase().includes(query.toLowerCase()));
  return (
    <section className="card">
      <Field label="Filter tenants" type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      {rows.length === 0 ? (
        <Empty>{tenants.data.tenants.length === 0 ? "There are no tenants yet." : "No tenant matches."}</Empty>
      ) : (
        <table data-testid="tenant-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Display name</th>
              <th scope="col">Phase</th>
              <th scope="col">Plan</th>
              <th scope="col">In force</th>
              <th scope="col">Isolation</th>
              <th scope="col">Suspended</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.name}>
                <td>{t.name}</td>
                <td>{t.displayName}</td>
                <td>{t.phase ?? "Pending"}</td>
                <td>{t.plan}</td>
                <td>{t.planInForce ?? "—"}</td>
                <td>{t.isolation}</td>
                <td>{t.suspended ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
