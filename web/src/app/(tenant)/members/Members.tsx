"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { Empty, Loading, Notice, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import type { Problem } from "@/problems/problem";
import { useMembers } from "@/projects/members";
import { canManage } from "@/session/claims";
import { useSession } from "@/session/SessionProvider";
import { useTenant } from "@/tenant/TenantProvider";

interface Invitation {
  email: string;
  role: string;
  expiresAt: string;
  createdAt?: string;
}

export function Members() {
  const session = useSession();
  const tenant = useTenant();
  const members = useMembers();
  const manager = session.state.status === "signed-in" && canManage(session.state.claims);
  const invitations = useLoad(async () => {
    if (!manager) return { ok: true as const, data: [] as Invitation[], response: new Response() };
    const answer = await result(session.api.GET("/api/auth/invitations"));
    if (!answer.ok) return answer;
    const data = answer.data as unknown as { invitations?: Invitation[] } | Invitation[];
    return { ok: true as const, data: Array.isArray(data) ? data : (data.invitations ?? []), response: answer.response };
  }, [session.api, manager]);
  const [problem, setProblem] = useState<Problem>();
  const [invited, setInvited] = useState<string>();

  async function invite(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const email = String(form.get("email") ?? "");
    const answer = await result(
      session.api.POST("/api/auth/invitations", { body: { email, role: String(form.get("role") ?? "member") } }),
    );
    setProblem(answer.ok ? undefined : answer.problem);
    setInvited(answer.ok ? email : undefined);
    if (answer.ok) {
      formElement.reset();
      invitations.reload();
    }
  }

  const max = tenant.status === "ready" ? tenant.data.entitlements?.maxMembers : undefined;
  return (
    <>
      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title">
          Members{members.status === "ready" && max !== undefined ? ` (${members.data.length} of ${max})` : ""}
        </h2>
        {members.status === "loading" ? (
          <Loading what="members" />
        ) : members.status === "error" ? (
          <ProblemAlert problem={members.problem} onRetry={members.reload} />
        ) : members.data.length === 0 ? (
          <Empty>No members yet.</Empty>
        ) : (
          <table data-testid="member-list">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => (
                <tr key={m.user}>
                  <td>{m.email}</td>
                  <td>{m.role}</td>
                  <td>{m.since ? new Date(m.since).toLocaleDateString() : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {manager ? (
        <>
          <section className="card" aria-labelledby="invite-title">
            <h2 id="invite-title">Invite someone</h2>
            <form onSubmit={invite}>
              <Field label="Their email" name="email" type="email" required />
              <div className="field">
                <label htmlFor="invite-role">Role</label>
                <select id="invite-role" name="role" defaultValue="member">
                  <option value="member">Member: works on projects</option>
                  <option value="admin">Admin: also manages members and billing</option>
                </select>
              </div>
              {problem?.code === "entitlement_exceeded" ? (
                <div className="alert alert-error" role="alert">
                  <p>
                    Your plan&apos;s member limit is reached. <Link href="/billing">Upgrade the plan</Link> to invite more.
                  </p>
                </div>
              ) : (
                <ProblemAlert problem={problem} />
              )}
              {invited ? <Notice>Invitation sent to {invited}. It works for 7 days.</Notice> : null}
              <button type="submit" disabled={tenant.suspended}>
                Send invitation
              </button>
            </form>
          </section>
          <section className="card" aria-labelledby="pending-title">
            <h2 id="pending-title">Pending invitations</h2>
            {invitations.status === "loading" ? (
              <Loading what="invitations" />
            ) : invitations.status === "error" ? (
              <ProblemAlert problem={invitations.problem} onRetry={invitations.reload} />
            ) : invitations.data.length === 0 ? (
              <Empty>No invitation is waiting for an answer.</Empty>
            ) : (
              <ul data-testid="invitation-list">
                {invitations.data.map((i) => (
                  <li key={`${i.email}-${i.expiresAt}`}>
                    {i.email} as {i.role}, until {new Date(i.expiresAt).toLocaleDateString()}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
