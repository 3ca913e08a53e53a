"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { Notice, ProblemAlert } from "@/components/states";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";

/** Without a token: ask for the email. With the emailed link's token: choose the new password. */
export function ResetPassword() {
  const { api } = useSession();
  const token = useSearchParams().get("token");
  const [problem, setProblem] = useState<Problem>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    const answer = token
      ? await result(
          api.POST("/api/auth/password-reset/confirm", {
            body: { token, password: String(form.get("password") ?? "") },
          }),
        )
      : await result(api.POST("/api/auth/password-reset", { body: { email: String(form.get("email") ?? "") } }));
    setBusy(false);
    setDone(answer.ok);
    setProblem(answer.ok ? undefined : answer.problem);
  }

  if (done) {
    return token ? (
      <Notice>
        <p>
          Your password is changed, and every other session has ended. <Link href="/login">Log in</Link>
        </p>
      </Notice>
    ) : (
      <Notice>
        <p>If an account uses that address, a link to reset its password is on its way.</p>
      </Notice>
    );
  }
  return (
    <section className="card">
      <form onSubmit={submit}>
        {token ? (
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={12}
            required
            hint="At least 12 characters."
          />
        ) : (
          <Field label="Email" name="email" type="email" autoComplete="email" required />
        )}
        <ProblemAlert problem={problem} />
        <button type="submit" disabled={busy}>
          {token ? "Set the new password" : "Send the reset link"}
        </button>
      </form>
    </section>
  );
}
