"use client";

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { createApi, type Api } from "@/api/client";
import type { Problem } from "@/problems/problem";
import { decodeClaims, type Claims } from "./claims";
import { endSession, loginGrant, refreshGrant, type Grant } from "./session-endpoints";

export type SessionState =
  | { status: "loading" }
  | { status: "anonymous" }
  | { status: "signed-in"; claims: Claims };

export interface Session {
  state: SessionState;
  api: Api;
  gatewayUrl: string;
  /** The in-memory access token (for the few calls made without the typed client, such as SSE). */
  accessToken(): string | undefined;
  login(email: string, password: string, tenant?: string): Promise<Problem | undefined>;
  /** Renews the access token now, for example once a new tenant makes the token carry it. */
  refresh(): Promise<boolean>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

// Renew this long before the token expires, so that a request in flight never meets a stale one.
const RENEW_AHEAD_MS = 60_000;

export function SessionProvider({ gatewayUrl, children }: { gatewayUrl: string; children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "loading" });
  // The access token lives here, in memory only: a reload asks /session/refresh for a new one.
  const token = useRef<string | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const adopt = useCallback((grant: Grant | undefined): boolean => {
    clearTimeout(timer.current);
    const claims = grant ? decodeClaims(grant.accessToken) : undefined;
    if (!grant || !claims) {
      token.current = undefined;
      setState({ status: "anonymous" });
      return false;
    }
    token.current = grant.accessToken;
    setState({ status: "signed-in", claims });
    const delay = Math.max(5_000, grant.expiresIn * 1000 - RENEW_AHEAD_MS);
    timer.current = setTimeout(() => void renew(), delay);
    return true;
    // `renew` is declared below; the timer only fires after both exist, and both are stable.
  }, []);

  const renew = useCallback(async (): Promise<string | undefined> => {
    const result = await refreshGrant();
    adopt(result.ok ? result.grant : undefined);
    return token.current;
  }, [adopt]);

  useEffect(() => {
    void renew();
    return () => clearTimeout(timer.current);
  }, [renew]);

  const api = useMemo(
    () => createApi(gatewayUrl, { current: () => token.current, renew }),
    [gatewayUrl, renew],
  );

  const session = useMemo<Session>(
    () => ({
      state,
      api,
      gatewayUrl,
      accessToken: () => token.current,
      async login(email, password, tenant) {
        const result = await loginGrant(email, password, tenant);
        if (!result.ok) return result.problem;
        adopt(result.grant);
        return undefined;
      },
      async refresh() {
        return (await renew()) !== undefined;
      },
      async logout() {
        await endSession();
        adopt(undefined);
      },
    }),
    [state, api, gatewayUrl, adopt, renew],
  );

  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
