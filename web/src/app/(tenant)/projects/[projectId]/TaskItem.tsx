"use client";

import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import type { components } from "@/api/schema";
import { Empty, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import type { Problem } from "@/problems/problem";
import { emailOf, type MemberEntry } from "@/projects/members";
import { useSession } from "@/session/SessionProvider";
import { useTenant } from "@/tenant/TenantProvider";
import { STATUS_WORDS } from "./Tasks";

type Task = components["schemas"]["Task"];
type TaskStatus = components["schemas"]["TaskStatus"];

/** One task: its status and assignee changed in place, and its comments on demand. */
export function TaskItem({
  task,
  members,
  assigneeEmail,
  onChanged,
}: {
  task: Task;
  members: MemberEntry[];
  assigneeEmail: string;
  onChanged: () => void;
}) {
  const { api } = useSession();
  const tenant = useTenant();
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const path = { projectId: task.projectId, taskId: task.id };

  async function change(body: { status?: TaskStatus; assigneeId?: string | null }) {
    const answer = await result(api.PATCH("/api/projects/{projectId}/tasks/{taskId}", { params: { path }, body }));
    setProblem(answer.ok ? undefined : answer.problem);
    if (answer.ok) onChanged();
  }

  return (
    <li data-task={task.title} style={{ flexDirection: "column", borderBottom: "1px solid var(--line)" }}>
      <div className="row">
        <strong>{task.title}</strong>
        <span className="muted">
          {STATUS_WORDS[task.status]} · assigned to {assigneeEmail}
        </span>
      </div>
      {task.description ? <p>{task.description}</p> : null}
      <div className="row">
        <div className="field">
          <label htmlFor={`status-${task.id}`}>Status of {task.title}</label>
          <select
            id={`status-${task.id}`}
            value={task.status}
            disabled={tenant.suspended}
            onChange={(e) => change({ status: e.target.value as TaskStatus })}
          >
            {Object.entries(STATUS_WORDS).map(([value, words]) => (
              <option key={value} value={value}>
                {words}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`assignee-${task.id}`}>Assignee of {task.title}</label>
          <select
            id={`assignee-${task.id}`}
            value={task.assigneeId ?? ""}
            disabled={tenant.suspended}
            onChange={(e) => change({ assigneeId: e.target.value || null })}
          >
            <option value="">Nobody</option>
            {members.map((m) => (
              <option key={m.user} value={m.user}>
                {m.email}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="button-secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Hide comments" : "Comments"}
        </button>
      </div>
      <ProblemAlert problem={problem} />
      {open ? <Comments task={task} members={members} /> : null}
    </li>
  );
}

function Comments({ task, members }: { task: Task; members: MemberEntry[] }) {
  const { api } = useSession();
  const tenant = useTenant();
  const [problem, setProblem] = useState<Problem>();
  const path = { projectId: task.projectId, taskId: task.id };
  const comments = useLoad(
    () => result(api.GET("/api/projects/{projectId}/tasks/{taskId}/comments", { params: { path } })),
    [api, task.id],
  );

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const body = String(new FormData(formElement).get("body") ?? "");
    const answer = await result(
      api.POST("/api/projects/{projectId}/tasks/{taskId}/comments", { params: { path }, body: { body } }),
    );
    setProblem(answer.ok ? undefined : answer.problem);
    if (answer.ok) {
      formElement.reset();
      comments.reload();
    }
  }

  return (
    <div className="card" style={{ width: "100%" }}>
      {comments.status === "loading" ? (
        <p className="muted">Loading comments…</p>
      ) : comments.status === "error" ? (
        <ProblemAlert problem={comments.problem} onRetry={comments.reload} />
      ) : comments.data.items.length === 0 ? (
        <Empty>No comments yet.</Empty>
      ) : (
        <ul aria-label={`Comments on ${task.title}`}>
          {comments.data.items.map((comment) => (
            <li key={comment.id}>
              <strong>{emailOf(members, comment.authorId)}</strong>: {comment.body}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add}>
        <div className="field">
          <label htmlFor={`comment-${task.id}`}>Comment on {task.title}</label>
          <textarea id={`comment-${task.id}`} name="body" required maxLength={5000} />
        </div>
        <ProblemAlert problem={problem} />
        <button type="submit" disabled={tenant.suspended}>
          Add comment
        </button>
      </form>
    </div>
  );
}
