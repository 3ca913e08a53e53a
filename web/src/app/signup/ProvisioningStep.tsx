"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { followSse } from "@/api/sse";
import { ProblemAlert } from "@/components/states";
import { toProblem, type Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";
import { ProvisioningSteps, type Outcome } from "@/tenant/ProvisioningSteps";
import type { Condition } from "@/tenant/tenant-view";

// Auth grants the owner's membership moments after the tenant exists; the session picks it up
// at a refresh. These are the waits between tries.
const ACCESS_WAITS_MS = [250, 500, 1000, 1000, 2000, 2000, 3000, 3000, 5000, 5000, 5000, 10000, 10000];

/** Streams the operator's progress for the new organisation until it is Ready or fails. */
export function ProvisioningStep({ tenant }: { tenant: string }) {
  const session = useSession();
  const claims = session.state.status === "signed-in" ? session.state.claims : undefined;
  const hasAccess = claims?.tenant === tenant;
  const [accessProblem, setAccessProblem] = useState<Problem>();
  const [conditions, setConditions] = useState(new Map<string, Condition>());
  const [outcome, setOutcome] = useState<Outcome>({ kind: "following" });
  const [streamProblem, setStreamProblem] = useState<Problem>();
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (hasAccess) return;
    let stopped = false;
    void (async () => {
      for (const wait of ACCESS_WAITS_MS) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (stopped || (await session.refresh())) return;
      }
      setAccessProblem({ status: 503, code: "tenant_provisioning" });
    })();
    return () => {
      stopped = true;
    };
    // A new session object comes with every token; one loop per tenant is enough.
  }, [hasAccess, tenant]);

  const follow = useCallback(() => setRound((r) => r + 1), []);

  useEffect(() => {
    const token = session.accessToken();
    if (!hasAccess || !token) return;
    const abort = new AbortController();
    let ended = false;
    setOutcome({ kind: "following" });
    setStreamProblem(undefined);
    followSse(
      `${session.gatewayUrl}/api/tenants/current/events`,
      token,
      (event) => {
        if (event.event === "condition") {
          const condition = JSON.parse(event.data) as Condition;
          setConditions((seen) => new Map(seen).set(condition.type, condition));
        } else if (event.event === "ready") {
          ended = true;
          setOutcome({ kind: "ready" });
        } else if (event.event === "failed") {
          ended = true;
          const failure = JSON.parse(event.data || "{}") as { reason?: string; message?: string };
          setOutcome({ kind: "failed", reason: failure.reason ?? "Failed", message: failure.message ?? "" });
        } else if (event.event === "gone") {
          ended = true;
          setOutcome({ kind: "gone" });
        }
      },
      abort.signal,
    )
      .then(({ status, body }) => {
        if (status >= 400) setStreamProblem(toProblem(status, body));
        // The stream has a time limit and proxies drop quiet ones: carry on where it stopped.
        else if (!ended && !abort.signal.aborted) setTimeout(follow, 1000);
      })
      .catch(() => {
        if (!abort.signal.aborted) setTimeout(follow, 2000);
      });
    return () => abort.abort();
  }, [hasAccess, round]);

  return (
    <section className="card" aria-labelledby="provisioning-title">
      <h2 id="provisioning-title">Setting up {tenant}</h2>
      {!hasAccess ? (
        accessProblem ? (
          <ProblemAlert problem={accessProblem} onRetry={() => window.location.reload()} />
        ) : (
          <p role="status">Granting you access to {tenant}…</p>
        )
      ) : (
        <>
          <ProvisioningSteps conditions={conditions} outcome={outcome} />
          <div aria-live="polite" role="status" data-testid="provisioning-outcome">
            {outcome.kind === "ready" ? (
              <p className="status-ok">
                {tenant} is ready. <Link href="/">Go to your organisation</Link>
              </p>
            ) : outcome.kind === "failed" ? null : outcome.kind === "gone" ? (
              <p>This organisation was deleted.</p>
            ) : (
              <p className="muted">Provisioning… this usually takes a few seconds.</p>
            )}
          </div>
          {outcome.kind === "failed" ? (
            <div className="alert alert-error" role="alert">
              <p>
                Provisioning stopped: <strong>{outcome.reason}</strong>
                {outcome.message ? ` — ${outcome.message}` : ""}
              </p>
              <button type="button" className="button-secondary" onClick={follow}>
                Try again
              </button>
            </div>
          ) : null}
          <ProblemAlert problem={streamProblem} onRetry={follow} />
        </>
      )}
    </section>
  );
}
