"use client";

import { useEffect, useState } from "react";
import { result } from "@/api/client";
import type { components } from "@/api/schema";
import { ProblemAlert } from "@/components/states";
import { toProblem, unreachable, type Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";
import { useTenant } from "@/tenant/TenantProvider";

type Export = components["schemas"]["Export"];

const POLL_MS = 1000;

/** An export of every project and task: requested, built in the background, then downloaded. */
export function Exports() {
  const session = useSession();
  const tenant = useTenant();
  const [exported, setExported] = useState<Export>();
  const [problem, setProblem] = useState<Problem>();

  useEffect(() => {
    if (!exported || exported.state === "done" || exported.state === "failed") return;
    const timer = setInterval(() => {
      void result(
        session.api.GET("/api/projects/exports/{exportId}", { params: { path: { exportId: exported.id } } }),
      ).then((r) => {
        if (r.ok) setExported(r.data);
        else setProblem(r.problem);
      });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [exported, session.api]);

  async function request() {
    setProblem(undefined);
    const answer = await result(session.api.POST("/api/projects/exports"));
    if (answer.ok) setExported(answer.data);
    else setProblem(answer.problem);
  }

  async function download(format: "csv" | "json") {
    if (!exported) return;
    // The download needs the access token, which a plain link cannot carry: fetch, then save.
    const url = `${session.gatewayUrl}/api/projects/exports/${exported.id}/download?format=${format}`;
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${session.accessToken() ?? ""}` } });
      if (!response.ok) {
        setProblem(toProblem(response.status, await response.json().catch(() => undefined)));
        return;
      }
      const blob = await response.blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `saascript-export-${exported.id}.${format}`;
      link.click();
      // The browser reads the blob after this handler returns; let it go a moment later.
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch {
      setProblem(unreachable());
    }
  }

  return (
    <section className="card" aria-labelledby="exports-title">
      <h2 id="exports-title">Export</h2>
      <p className="muted">Every project, task and comment of the organisation, as CSV or JSON.</p>
      {exported ? (
        <p role="status" data-testid="export-state">
          Export {exported.state === "done" ? "ready" : exported.state === "failed" ? "failed" : "being prepared…"}
          {exported.state === "done" ? ` (until ${new Date(exported.expiresAt).toLocaleString()})` : ""}
        </p>
      ) : null}
      <div className="row">
        <button type="button" className="button-secondary" onClick={request} disabled={tenant.suspended}>
          Request an export
        </button>
        {exported?.state === "done" ? (
          <>
            <button type="button" onClick={() => download("csv")}>
              Download CSV
            </button>
            <button type="button" onClick={() => download("json")}>
              Download JSON
            </button>
          </>
        ) : null}
      </div>
      <ProblemAlert problem={problem} />
    </section>
  );
}
