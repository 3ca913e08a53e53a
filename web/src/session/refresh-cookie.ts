import "server-only";
import type { NextRequest, NextResponse } from "next/server";

/**
 * The refresh token lives only here, in an httpOnly, SameSite=Strict cookie scoped to /session:
 * page scripts can never read it, and the browser sends it only to these route handlers. The
 * access token goes back to the page, which keeps it in memory (never in localStorage).
 */
export const REFRESH_COOKIE = "saascript_refresh";

// Auth decides how long a refresh token is good for; the cookie only has to outlive it.
const THIRTY_DAYS = 30 * 24 * 60 * 60;

export function readRefreshToken(request: NextRequest): string | undefined {
  return request.cookies.get(REFRESH_COOKIE)?.value;
}

export function setRefreshToken(request: NextRequest, response: NextResponse, token: string): void {
  response.cookies.set(REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: "strict",
    secure: isHttps(request),
    path: "/session",
    maxAge: THIRTY_DAYS,
  });
}

export function clearRefreshToken(request: NextRequest, response: NextResponse): void {
  response.cookies.set(REFRESH_COOKIE, "", {
    httpOnly: true,
    sameSite: "strict",
    secure: isHttps(request),
    path: "/session",
    maxAge: 0,
  });
}

function isHttps(request: NextRequest): boolean {
  const forwarded = request.headers.get("x-forwarded-proto");
  return (forwarded ?? request.nextUrl.protocol.replace(":", "")) === "https";
}
