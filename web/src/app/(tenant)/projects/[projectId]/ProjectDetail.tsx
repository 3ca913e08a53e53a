"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { Loading, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import type { Problem } from "@/problems/problem";
import { useMembers } from "@/projects/members";
import { useSession } from "@/session/SessionProvider";
import { useTenant } from "@/tenant/TenantProvider";
import { Tasks } from "./Tasks";

export function ProjectDetail({ projectId }: { projectId: string }) {
  const { api } = useSession();
  const tenant = useTenant();
  const members = useMembers();
  const project = useLoad(
    () => result(api.GET("/api/projects/{projectId}", { params: { path: { projectId } } })),
    [api, projectId],
  );
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<Problem>();

  if (project.status === "loading") return <Loading what="the project" />;
  if (project.status === "error") {
    return (
      <>
        <p>
          <Link href="/projects">All projects</Link>
        </p>
        <ProblemAlert problem={project.problem} onRetry={project.reload} />
      </>
    );
  }

  async function rename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const answer = await result(
      api.PATCH("/api/projects/{projectId}", {
        params: { path: { projectId } },
        body: { name: String(form.get("name") ?? ""), description: String(form.get("description") ?? "") },
      }),
    );
    setProblem(answer.ok ? undefined : answer.problem);
    if (answer.ok) {
      setEditing(false);
      project.reload();
    }
  }

  return (
    <>
      <p>
        <Link href="/projects">All projects</Link>
      </p>
      <h1>{project.data.name}</h1>
      {editing ? (
        <section className="card">
          <form onSubmit={rename}>
            <Field label="Project name" name="name" defaultValue={project.data.name} required maxLength={200} />
            <Field label="Description" name="description" defaultValue={project.data.description} maxLength={2000} />
            <ProblemAlert problem={problem} />
            <div className="row">
              <button type="submit">Save</button>
              <button type="button" className="button-secondary" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </div>
          </form>
        </section>
      ) : (
        <section className="card">
          <p>{project.data.description || <span className="muted">No description.</span>}</p>
          <button type="button" className="button-secondary" onClick={() => setEditing(true)} disabled={tenant.suspended}>
            Edit project
          </button>
        </section>
      )}
      <Tasks projectId={projectId} members={members.status === "ready" ? members.data : []} />
    </>
  );
}
