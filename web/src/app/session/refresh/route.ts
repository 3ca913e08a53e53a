import type { NextRequest } from "next/server";
import { readRefreshToken } from "@/session/refresh-cookie";
import { callAuth, grantFrom, problem, refuseCrossSite } from "@/session/session-route";

/** POST /session/refresh: a new access token from the cookie's refresh token (which rotates). */
export async function POST(request: NextRequest) {
  const refused = refuseCrossSite(request);
  if (refused) return refused;
  const token = readRefreshToken(request);
  if (!token) return problem(401, "session_missing", "There is no session to refresh.");
  return grantFrom(request, await callAuth("refresh", { refresh_token: token }));
}
