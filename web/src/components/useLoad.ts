"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import type { Result } from "@/api/client";
import type { Problem } from "@/problems/problem";

export type Loaded<T> =
  | { status: "loading" }
  | { status: "error"; problem: Problem }
  | { status: "ready"; data: T; response: Response };

/** Loads once (and again on `reload` or when `deps` change), keeping the three states every page shows. */
export function useLoad<T>(load: () => Promise<Result<T>>, deps: unknown[]): Loaded<T> & { reload: () => void } {
  const [state, setState] = useState<Loaded<T>>({ status: "loading" });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  useEffect(() => {
    let current = true;
    void load().then((result) => {
      if (!current) return;
      setState(result.ok ? { status: "ready", data: result.data, response: result.response } : { status: "error", problem: result.problem });
    });
    return () => {
      current = false;
    };
    // The caller names what the load depends on.
  }, [...deps, round]);
  // One object per loaded state, so that an effect on it runs when the data changes, not on
  // every render (which would put back the first answer over whatever came after it).
  return useMemo(() => ({ ...state, reload }), [state, reload]);
}
