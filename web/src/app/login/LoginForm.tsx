"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Field } from "@/components/Field";
import { safeNext } from "@/components/safe-next";
import { ProblemAlert } from "@/components/states";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";

export function LoginForm() {
  const session = useSession();
  const router = useRouter();
  const params = useSearchParams();
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next"));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    const failed = await session.login(
      String(form.get("email") ?? ""),
      String(form.get("password") ?? ""),
      String(form.get("tenant") ?? "") || params.get("tenant") || undefined,
    );
    setBusy(false);
    setProblem(failed);
    if (!failed) router.push(next);
  }

  return (
    <section className="card">
      <form onSubmit={submit} aria-describedby={problem ? "login-problem" : undefined}>
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <Field
          label="Organisation (optional)"
          name="tenant"
          defaultValue={params.get("tenant") ?? ""}
          hint="Only if you belong to several organisations: the name of the one to open."
        />
        <div id="login-problem">
          <ProblemAlert problem={problem} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p>
        <Link href="/reset-password">Forgot your password?</Link> · New here?{" "}
        <Link href={`/signup${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`}>Sign up</Link>
      </p>
    </section>
  );
}
