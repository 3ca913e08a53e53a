"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { Empty, Loading, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import type { Problem } from "@/problems/problem";
import { allPages } from "@/projects/all-pages";
import { canManage } from "@/session/claims";
import { useSession } from "@/session/SessionProvider";
import { useTenant } from "@/tenant/TenantProvider";

export function ProjectList() {
  const { api, state } = useSession();
  const tenant = useTenant();
  const [query, setQuery] = useState("");
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const projects = useLoad(
    () =>
      allPages((cursor) =>
        result(api.GET("/api/projects", { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } })),
      ),
    [api],
  );
  const max = tenant.status === "ready" ? tenant.data.entitlements?.maxProjects : undefined;
  const count = projects.status === "ready" ? projects.data.length : undefined;
  const atLimit = max !== undefined && count !== undefined && count >= max;
  const manager = state.status === "signed-in" && canManage(state.claims);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setBusy(true);
    const created = await result(
      api.POST("/api/projects", {
        body: { name: String(form.get("name") ?? ""), description: String(form.get("description") ?? "") },
      }),
    );
    setBusy(false);
    setProblem(created.ok ? undefined : created.problem);
    if (created.ok) {
      formElement.reset();
      projects.reload();
    }
  }

  const shown =
    projects.status === "ready"
      ? projects.data.filter((p) => `${p.name} ${p.description}`.toLowerCase().includes(query.toLowerCase()))
      : [];
  return (
    <>
      <section className="card" aria-labelledby="usage-title">
        <h2 id="usage-title">Plan usage</h2>
        <p data-testid="project-usage">
          {count ?? "…"} of {max?.toLocaleString() ?? "…"} projects used
        </p>
        {atLimit ? (
          <p className="alert alert-info" role="status" data-testid="project-limit">
            You have reached your plan&apos;s limit of {max} projects.{" "}
            {manager ? <Link href="/billing">Upgrade your plan</Link> : "Ask an owner to upgrade the plan"} to add more.
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="new-project-title">
        <h2 id="new-project-title">New project</h2>
        <form onSubmit={create}>
          <Field label="Project name" name="name" required maxLength={200} />
          <Field label="Description (optional)" name="description" maxLength={2000} />
          <ProblemAlert problem={problem} />
          <button type="submit" disabled={busy || atLimit || tenant.suspended}>
            {busy ? "Creating…" : "Create project"}
          </button>
        </form>
      </section>
      <section className="card" aria-labelledby="projects-title">
        <h2 id="projects-title">All projects</h2>
        <Field label="Filter projects" type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        {projects.status === "loading" ? (
          <Loading what="projects" />
        ) : projects.status === "error" ? (
          <ProblemAlert problem={projects.problem} onRetry={projects.reload} />
        ) : shown.length === 0 ? (
          <Empty>{projects.data.length === 0 ? "No projects yet. Create the first one above." : "No project matches."}</Empty>
        ) : (
          <ul data-testid="project-list">
            {shown.map((project) => (
              <li key={project.id}>
                <Link href={`/projects/${project.id}`}>{project.name}</Link>
                {project.description ? <span className="muted"> — {project.description}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
