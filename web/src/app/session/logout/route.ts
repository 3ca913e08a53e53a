import { NextResponse, type NextRequest } from "next/server";
import { clearRefreshToken, readRefreshToken } from "@/session/refresh-cookie";
import { callAuth, refuseCrossSite } from "@/session/session-route";

/** POST /session/logout: ends the session at auth and forgets the cookie, whatever auth says. */
export async function POST(request: NextRequest) {
  const refused = refuseCrossSite(request);
  if (refused) return refused;
  const token = readRefreshToken(request);
  if (token) await callAuth("logout", { refresh_token: token });
  const response = new NextResponse(null, { status: 204 });
  clearRefreshToken(request, response);
  return response;
}
