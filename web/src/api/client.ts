import createClient, { type Middleware } from "openapi-fetch";
import { toProblem, unreachable, type Problem } from "@/problems/problem";
import type { paths } from "./schema";

/** The typed gateway client (paths and bodies from the gateway's merged OpenAPI document). */
export type Api = ReturnType<typeof createClient<paths>>;

export interface TokenSource {
  /** The access token in memory, if any. */
  current(): string | undefined;
  /** A fresh access token (the refresh token rotates at the UI's server), or undefined. */
  renew(): Promise<string | undefined>;
}

/**
 * A client for the gateway at `baseUrl` that sends the in-memory access token and, when the
 * gateway says the token expired, renews it once and sends the same request again.
 */
export function createApi(baseUrl: string, tokens: TokenSource): Api {
  const api = createClient<paths>({ baseUrl });
  const originals = new WeakMap<Request, Request>();
  const bearer: Middleware = {
    onRequest({ request }) {
      const token = tokens.current();
      if (token) request.headers.set("authorization", `Bearer ${token}`);
      // Kept unread, so that a request refused for an expired token can be sent again.
      originals.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      const original = originals.get(request);
      if (response.status !== 401 || !original || !tokens.current()) return response;
      const token = await tokens.renew();
      if (!token) return response;
      original.headers.set("authorization", `Bearer ${token}`);
      return fetch(original);
    },
  };
  api.use(bearer);
  return api;
}

export type Result<T> = { ok: true; data: T; response: Response } | { ok: false; problem: Problem };

/**
 * Any client call as a result: the data, or the problem in a shape the UI can put in words.
 * A gateway that cannot be reached is a problem too, never an exception.
 */
export async function result<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Result<T>> {
  try {
    const { data, error, response } = await call;
    if (response.ok) return { ok: true, data: data as T, response };
    return { ok: false, problem: toProblem(response.status, error, response.headers.get("retry-after")) };
  } catch {
    return { ok: false, problem: unreachable() };
  }
}
