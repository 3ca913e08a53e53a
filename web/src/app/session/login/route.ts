import type { NextRequest } from "next/server";
import { callAuth, grantFrom, jsonObject, problem, refuseCrossSite } from "@/session/session-route";

/** POST /session/login {email, password, tenant?}: logs in through the gateway. */
export async function POST(request: NextRequest) {
  const refused = refuseCrossSite(request);
  if (refused) return refused;
  const body = await jsonObject(request);
  if (!body || typeof body.email !== "string" || typeof body.password !== "string") {
    return problem(422, "invalid_input", "Give an email address and a password.");
  }
  const login: Record<string, string> = { email: body.email, password: body.password };
  if (typeof body.tenant === "string" && body.tenant !== "") login.tenant = body.tenant;
  return grantFrom(request, await callAuth("login", login));
}
