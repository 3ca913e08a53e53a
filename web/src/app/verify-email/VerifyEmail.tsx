"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { result } from "@/api/client";
import { Loading, ProblemAlert } from "@/components/states";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";

/** Opened from the emailed link: confirms the address once, then leads on to log in. */
export function VerifyEmail() {
  const { api } = useSession();
  const token = useSearchParams().get("token");
  const [outcome, setOutcome] = useState<"working" | "done" | Problem>("working");
  const sent = useRef(false);
  useEffect(() => {
    // The token works once: a second mount must not spend it again.
    if (sent.current) return;
    sent.current = true;
    if (!token) {
      setOutcome({ status: 400, code: "email_token_invalid" });
      return;
    }
    void result(api.POST("/api/auth/verify-email", { body: { token } })).then((r) =>
      setOutcome(r.ok ? "done" : r.problem),
    );
  }, [api, token]);
  if (outcome === "working") return <Loading what="your confirmation" />;
  if (outcome === "done") {
    return (
      <section className="card">
        <p role="status">Your email address is confirmed.</p>
        <p>
          <Link className="button" href="/login?next=%2Fsignup">
            Log in to continue
          </Link>
        </p>
      </section>
    );
  }
  return (
    <section className="card">
      <ProblemAlert problem={outcome} />
      <p>
        <Link href="/signup">Sign up again</Link> or <Link href="/login">log in</Link>.
      </p>
    </section>
  );
}
