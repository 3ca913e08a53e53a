"use client";

import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import type { components } from "@/api/schema";
import { Field } from "@/components/Field";
import { Empty, Loading, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import type { Problem } from "@/problems/problem";
import { allPages } from "@/projects/all-pages";
import { emailOf, type MemberEntry } from "@/projects/members";
import { useSession } from "@/session/SessionProvider";
import { useTenant } from "@/tenant/TenantProvider";
import { TaskItem } from "./TaskItem";

type TaskStatus = components["schemas"]["TaskStatus"];

export const STATUS_WORDS: Record<TaskStatus, string> = { todo: "To do", in_progress: "In progress", done: "Done" };

export function Tasks({ projectId, members }: { projectId: string; members: MemberEntry[] }) {
  const { api } = useSession();
  const tenant = useTenant();
  const [status, setStatus] = useState<TaskStatus | "">("");
  const [assignee, setAssignee] = useState("");
  const [problem, setProblem] = useState<Problem>();
  const tasks = useLoad(
    () =>
      allPages((cursor) =>
        result(
          api.GET("/api/projects/{projectId}/tasks", {
            params: {
              path: { projectId },
              query: {
                limit: 100,
                ...(cursor ? { cursor } : {}),
                ...(status ? { status } : {}),
                ...(assignee ? { assigneeId: assignee } : {}),
              },
            },
          }),
        ),
      ),
    [api, projectId, status, assignee],
  );

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const assigneeId = String(form.get("assigneeId") ?? "");
    const answer = await result(
      api.POST("/api/projects/{projectId}/tasks", {
        params: { path: { projectId } },
        body: {
          title: String(form.get("title") ?? ""),
          description: String(form.get("description") ?? ""),
          ...(assigneeId ? { assigneeId } : {}),
        },
      }),
    );
    setProblem(answer.ok ? undefined : answer.problem);
    if (answer.ok) {
      formElement.reset();
      tasks.reload();
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="new-task-title">
        <h2 id="new-task-title">New task</h2>
        <form onSubmit={create}>
          <Field label="Task title" name="title" required maxLength={200} />
          <Field label="Task description (optional)" name="description" maxLength={5000} />
          <div className="field">
            <label htmlFor="new-task-assignee">Assign to</label>
            <select id="new-task-assignee" name="assigneeId" defaultValue="">
              <option value="">Nobody yet</option>
              {members.map((m) => (
                <option key={m.user} value={m.user}>
                  {m.email}
                </option>
              ))}
            </select>
          </div>
          <ProblemAlert problem={problem} />
          <button type="submit" disabled={tenant.suspended}>
            Add task
          </button>
        </form>
      </section>
      <section className="card" aria-labelledby="tasks-title">
        <h2 id="tasks-title">Tasks</h2>
        <div className="row" role="group" aria-label="Filter tasks">
          <div className="field">
            <label htmlFor="filter-status">Status</label>
            <select id="filter-status" value={status} onChange={(e) => setStatus(e.target.value as TaskStatus | "")}>
              <option value="">Any status</option>
              {Object.entries(STATUS_WORDS).map(([value, words]) => (
                <option key={value} value={value}>
                  {words}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="filter-assignee">Assignee</label>
            <select id="filter-assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
              <option value="">Anyone</option>
              {members.map((m) => (
                <option key={m.user} value={m.user}>
                  {m.email}
                </option>
              ))}
            </select>
          </div>
        </div>
        {tasks.status === "loading" ? (
          <Loading what="tasks" />
        ) : tasks.status === "error" ? (
          <ProblemAlert problem={tasks.problem} onRetry={tasks.reload} />
        ) : tasks.data.length === 0 ? (
          <Empty>{status || assignee ? "No task matches the filter." : "No tasks yet. Add the first one above."}</Empty>
        ) : (
          <ul className="steps" data-testid="task-list">
            {tasks.data.map((task) => (
              <TaskItem
                key={task.id}
                task={task}
                members={members}
                assigneeEmail={emailOf(members, task.assigneeId)}
                onChanged={tasks.reload}
              />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
