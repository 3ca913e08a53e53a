import "server-only";
import { NextRequest, NextResponse } from "next/server";
import { gatewayUrl } from "@/config/runtime";
import { clearRefreshToken, setRefreshToken } from "./refresh-cookie";

/** What the page gets back: the access token, never the refresh token. */
export interface AccessGrant {
  access_token: string;
  expires_in: number;
}

const PROBLEM_JSON = "application/problem+json";

export function problem(status: number, code: string, detail: string): NextResponse {
  return NextResponse.json(
    { type: `https://saascript.io/problems/${code.replace(/_/g, "-")}`, title: code, status, code, detail },
    { status, headers: { "content-type": PROBLEM_JSON, "cache-control": "no-store" } },
  );
}

/**
 * A cookie-carrying POST is accepted only from the UI's own pages: SameSite=Strict already keeps
 * other sites' requests cookieless, and the Origin check refuses the rest (login CSRF included).
 */
export function refuseCrossSite(request: NextRequest): NextResponse | undefined {
  const origin = request.headers.get("origin");
  // The host the browser asked for (behind a proxy, the one it forwarded), which Next's own
  // nextUrl does not always carry (it may say localhost for 127.0.0.1).
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (origin !== null && hostOf(origin) !== host) {
    return problem(403, "cross_site_request", "This request did not come from SaaScript's own pages.");
  }
  return undefined;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** Sends `body` to auth through the gateway, the UI's one way in. */
export async function callAuth(path: string, body: unknown): Promise<Response | NextResponse> {
  try {
    return await fetch(`${gatewayUrl()}/api/auth/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    return problem(503, "unreachable", "The gateway cannot be reached.");
  }
}

/**
 * Turns auth's token pair into the page's answer: the refresh token into the cookie, the access
 * token into the body. Any error from auth passes through as the problem it is.
 */
export async function grantFrom(request: NextRequest, answer: Response): Promise<NextResponse> {
  const text = await answer.text();
  if (!answer.ok) {
    const response = new NextResponse(text, {
      status: answer.status,
      headers: {
        "content-type": answer.headers.get("content-type") ?? PROBLEM_JSON,
        "cache-control": "no-store",
      },
    });
    const retryAfter = answer.headers.get("retry-after");
    if (retryAfter) response.headers.set("retry-after", retryAfter);
    // A refresh token that auth refuses is dead: forget it so the next page load starts anonymous.
    if (answer.status === 401) clearRefreshToken(request, response);
    return response;
  }
  let pair: { access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
  try {
    pair = JSON.parse(text) as typeof pair;
  } catch {
    return problem(502, "bad_gateway", "Auth answered with something that is not a token pair.");
  }
  if (typeof pair.access_token !== "string" || typeof pair.refresh_token !== "string") {
    return problem(502, "bad_gateway", "Auth answered with something that is not a token pair.");
  }
  const grant: AccessGrant = {
    access_token: pair.access_token,
    expires_in: typeof pair.expires_in === "number" ? pair.expires_in : 900,
  };
  const response = NextResponse.json(grant, { headers: { "cache-control": "no-store" } });
  setRefreshToken(request, response, pair.refresh_token);
  return response;
}

/** The JSON body of a request, or undefined when it is not a JSON object. */
export async function jsonObject(request: NextRequest): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await request.json();
    return typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
