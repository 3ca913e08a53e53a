"use client";

import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { Notice, ProblemAlert } from "@/components/states";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";

export function RegisterStep() {
  const { api } = useSession();
  const [problem, setProblem] = useState<Problem>();
  const [sentTo, setSentTo] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    setBusy(true);
    const registered = await result(
      api.POST("/api/auth/register", { body: { email, password: String(form.get("password") ?? "") } }),
    );
    setBusy(false);
    if (registered.ok) setSentTo(email);
    setProblem(registered.ok ? undefined : registered.problem);
  }

  if (sentTo) {
    return (
      <Notice>
        <p>
          We sent a confirmation link to <strong>{sentTo}</strong>. Open it to confirm your address, then
          log in to create your organisation.
        </p>
      </Notice>
    );
  }
  return (
    <section className="card">
      <h2>Create your account</h2>
      <form onSubmit={submit}>
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={12}
          required
          hint="At least 12 characters."
          error={problem?.field === "password" ? problem.detail : undefined}
        />
        <ProblemAlert problem={problem} />
        <button type="submit" disabled={busy}>
          {busy ? "Creating your account…" : "Create account"}
        </button>
      </form>
    </section>
  );
}
