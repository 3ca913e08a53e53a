"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { result } from "@/api/client";
import { Loading, Notice, ProblemAlert } from "@/components/states";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";

/**
 * Opened from the invitation email. An invitation is accepted by the invited address only, so a
 * visitor logs in (or signs up, confirms, and comes back here) first.
 */
export function AcceptInvitation() {
  const session = useSession();
  const router = useRouter();
  const params = useSearchParams();
  const here = `${usePathname()}?${params.toString()}`;
  const token = params.get("token");
  const [problem, setProblem] = useState<Problem>();
  const [joined, setJoined] = useState<{ tenant: string; role: string }>();
  const [busy, setBusy] = useState(false);

  if (session.state.status === "loading") return <Loading what="your session" />;
  if (!token) return <ProblemAlert problem={{ status: 400, code: "email_token_invalid" }} />;
  if (session.state.status === "anonymous") {
    return (
      <section className="card">
        <p>To accept, log in with the address the invitation was sent to, or create an account for it.</p>
        <p className="row">
          <Link className="button" href={`/login?next=${encodeURIComponent(here)}`}>
            Log in
          </Link>
          <Link className="button button-secondary" href={`/signup?next=${encodeURIComponent(here)}`}>
            Sign up
          </Link>
        </p>
      </section>
    );
  }
  const claims = session.state.claims;

  async function accept() {
    setBusy(true);
    const answer = await result(session.api.POST("/api/auth/invitations/accept", { body: { token: token ?? "" } }));
    setBusy(false);
    if (!answer.ok) {
      setProblem(answer.problem);
      return;
    }
    // The answer is documented without a body schema: its shape is auth's `{tenant, role}`.
    const data = answer.data as unknown as { tenant: string; role: string };
    setJoined(data);
    // A session for no tenant takes on its only one at the next refresh.
    if (!claims.tenant) await session.refresh();
  }

  if (joined) {
    const current = session.state.status === "signed-in" ? session.state.claims.tenant : undefined;
    return (
      <Notice>
        <p>
          You joined <strong>{joined.tenant}</strong> as {joined.role}.
        </p>
        {current === joined.tenant ? (
          <p>
            <Link href="/projects">Open its projects</Link>
          </p>
        ) : (
          <p>
            <button
              type="button"
              onClick={async () => {
                await session.logout();
                router.push(`/login?tenant=${encodeURIComponent(joined.tenant)}&next=%2Fprojects`);
              }}
            >
              Switch to {joined.tenant}
            </button>{" "}
            (you log in again to open it).
          </p>
        )}
      </Notice>
    );
  }
  return (
    <section className="card">
      <p>You are logged in. Accept the invitation to join the organisation that sent it.</p>
      <ProblemAlert problem={problem} />
      <button type="button" onClick={accept} disabled={busy}>
        {busy ? "Joining…" : "Accept the invitation"}
      </button>
    </section>
  );
}
