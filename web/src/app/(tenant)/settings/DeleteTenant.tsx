"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { result } from "@/api/client";
import { Field } from "@/components/Field";
import { ProblemAlert } from "@/components/states";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";

/** Deletion is typed out: the organisation's name, back, exactly. */
export function DeleteTenant({ name, deleting }: { name: string; deleting: boolean }) {
  const session = useSession();
  const router = useRouter();
  const [typed, setTyped] = useState("");
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);

  async function remove(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    const answer = await result(session.api.DELETE("/api/tenants/current", { body: { confirm: typed } }));
    setBusy(false);
    if (!answer.ok) {
      setProblem(answer.problem);
      return;
    }
    await session.logout();
    router.push("/login");
  }

  return (
    <section className="card" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete the organisation</h2>
      {deleting ? (
        <p role="status">This organisation is being deleted.</p>
      ) : (
        <form onSubmit={remove}>
          <p>
            Deleting removes every project, member and subscription of <strong>{name}</strong>. It cannot be undone.
          </p>
          <Field
            label={`Type ${name} to confirm`}
            name="confirm"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
          />
          <ProblemAlert problem={problem} />
          <button type="submit" className="button-danger" disabled={busy || typed !== name}>
            Delete {name}
          </button>
        </form>
      )}
    </section>
  );
}
