"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { ProblemAlert } from "@/components/states";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";

// The dash is escaped: browsers read `pattern` with the regular expression `v` flag.
const NAME_PATTERN = "[a-z][a-z0-9\\-]{0,39}";

/** Names the organisation (checked as it is typed) and creates it, exactly once per submission. */
export function CreateTenantStep({ onCreated }: { onCreated: (name: string) => void }) {
  const { api } = useSession();
  const [name, setName] = useState("");
  const [availability, setAvailability] = useState<{ name: string; available: boolean; reason?: string | null }>();
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  // One key per organisation being created: a retried submission (a timeout, a double click)
  // returns the tenant the first one made instead of failing with name_taken.
  const idempotencyKey = useRef<string>("");

  useEffect(() => {
    if (!new RegExp(`^${NAME_PATTERN}$`).test(name)) {
      setAvailability(undefined);
      return;
    }
    const timer = setTimeout(() => {
      void result(api.GET("/api/tenants/availability", { params: { query: { name } } })).then((r) => {
        if (r.ok) setAvailability(r.data);
      });
    }, 300);
    return () => clearTimeout(timer);
  }, [api, name]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    idempotencyKey.current ||= crypto.randomUUID();
    setBusy(true);
    const created = await result(
      api.POST("/api/tenants", {
        params: { header: { "Idempotency-Key": idempotencyKey.current } },
        body: { name, displayName: String(form.get("displayName") ?? "") },
      }),
    );
    setBusy(false);
    if (created.ok) {
      onCreated(name);
      return;
    }
    setProblem(created.problem);
  }

  const taken = availability?.name === name && !availability.available;
  return (
    <section className="card">
      <h2>Create your organisation</h2>
      <form onSubmit={submit}>
        <Field
          label="Organisation name"
          name="name"
          value={name}
          onChange={(e) => {
            setName(e.target.value.toLowerCase());
            idempotencyKey.current = "";
          }}
          pattern={NAME_PATTERN}
          maxLength={40}
          required
          autoComplete="off"
          hint="Lowercase letters, digits and dashes, starting with a letter. It is part of your addresses and cannot change."
          error={taken ? (availability?.reason ?? "That name is taken.") : problem?.field === "name" ? problem.detail : undefined}
        />
        {availability?.name === name && availability.available ? (
          <p className="status-ok" role="status">
            {name} is available.
          </p>
        ) : null}
        <Field label="Display name" name="displayName" required maxLength={100} hint="The name people see." />
        <ProblemAlert problem={problem} />
        <button type="submit" disabled={busy || taken}>
          {busy ? "Creating…" : "Create organisation"}
        </button>
      </form>
    </section>
  );
}
