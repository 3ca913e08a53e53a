import { toProblem, unreachable, type Problem } from "@/problems/problem";

/** The page's side of /session/*: the UI's own server keeps the refresh token. */
export type Grant = { accessToken: string; expiresIn: number };
export type GrantResult = { ok: true; grant: Grant } | { ok: false; problem: Problem };

async function post(path: string, body?: unknown): Promise<Response | undefined> {
  try {
    return await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return undefined;
  }
}

async function grantOf(response: Response | undefined): Promise<GrantResult> {
  if (!response) return { ok: false, problem: unreachable() };
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    return { ok: false, problem: toProblem(response.status, body, response.headers.get("retry-after")) };
  }
  const grant = body as { access_token: string; expires_in: number };
  return { ok: true, grant: { accessToken: grant.access_token, expiresIn: grant.expires_in } };
}

// A refresh token rotates on use, and auth revokes the whole family when one is used twice. Two
// refreshes at once from this tab (a double mount, a timer and a 401 together) must therefore be
// one request.
let inFlight: Promise<GrantResult> | undefined;

export function refreshGrant(): Promise<GrantResult> {
  inFlight ??= post("/session/refresh")
    .then(grantOf)
    .finally(() => {
      inFlight = undefined;
    });
  return inFlight;
}

export async function loginGrant(email: string, password: string, tenant?: string): Promise<GrantResult> {
  return grantOf(await post("/session/login", { email, password, tenant }));
}

export async function endSession(): Promise<void> {
  await post("/session/logout");
}
