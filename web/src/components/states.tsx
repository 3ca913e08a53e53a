"use client";

import type { ReactNode } from "react";
import { plainWords, type Problem } from "@/problems/problem";

/** A region that is loading: announced politely, never a blank page. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** Nothing there yet, with what to do about it. */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

/** A problem in plain words, with a way to try again where that makes sense. */
export function ProblemAlert({ problem, onRetry }: { problem: Problem | undefined; onRetry?: () => void }) {
  if (!problem) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p>{plainWords(problem)}</p>
      {onRetry ? (
        <button type="button" className="button-secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-info" role="status">
      {children}
    </div>
  );
}
