/**
 * RFC 9457 problem details, as every SaaScript service answers an error, and how the UI turns one
 * into plain words. Nothing here ever shows raw JSON to a person.
 */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  /** A stable machine-readable code, such as `entitlement_exceeded`. */
  code?: string;
  /** The request field at fault, where the service knows it. */
  field?: string;
  /** Seconds to wait, from a 429's Retry-After. */
  retryAfter?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a problem out of any error body; a body that is not one still yields the status. */
export function toProblem(status: number, body: unknown, retryAfter?: string | null): Problem {
  const problem: Problem = { status };
  if (isRecord(body)) {
    for (const key of ["type", "title", "detail", "code", "field"] as const) {
      const value = body[key];
      if (typeof value === "string") problem[key] = value;
    }
  }
  const seconds = retryAfter ? Number.parseInt(retryAfter, 10) : Number.NaN;
  if (Number.isFinite(seconds)) problem.retryAfter = seconds;
  return problem;
}

/** A problem for a request that never got an answer (offline, gateway down). */
export function unreachable(): Problem {
  return { status: 0, code: "unreachable" };
}

// What a person is told for codes whose `detail` speaks to a programmer (tokens, sessions). Every
// other code keeps the service's own `detail`, which names the limit, field or state at fault and
// is written as a sentence for people; the title is the last resort.
const PLAIN_WORDS: Record<string, string> = {
  unreachable: "SaaScript cannot be reached right now. Check your connection and try again.",
  bad_credentials: "That email and password do not match an account.",
  email_not_verified: "Your email address is not confirmed yet. Open the link we emailed you first.",
  email_token_invalid: "This link is invalid, already used or expired. Ask for a new one.",
  email_taken: "An account with this email address already exists. Log in instead.",
  password_too_short: "The password is too short: use at least 12 characters.",
  too_many_attempts: "Too many attempts. Wait a little and try again.",
  rate_limited: "Too many requests. Wait a moment and try again.",
  token_missing: "Your session has ended. Log in again.",
  token_invalid: "Your session has ended. Log in again.",
  token_expired: "Your session has ended. Log in again.",
  session_missing: "You are not logged in.",
  tenant_changed: "This organisation was deleted and its name reused. Log in again.",
  tenant_required: "Create or join an organisation first.",
  tenant_suspended: "This organisation is suspended: its projects, members and profiles are unavailable until the suspension is lifted.",
  tenant_provisioning: "This organisation is still being set up. Try again in a moment.",
  tenant_not_found: "This organisation no longer exists.",
  role_required: "Only an owner or admin of this organisation can do that.",
  stripe_refused: "The card was declined. Try another payment method.",
  not_ready: "Billing for this organisation is still being set up. Try again in a moment.",
  export_expired: "This export has expired. Request a new one.",
};

/** One sentence for a person, never JSON. */
export function plainWords(problem: Problem): string {
  const byCode = problem.code ? PLAIN_WORDS[problem.code] : undefined;
  let sentence = byCode ?? problem.detail ?? problem.title ?? statusWords(problem.status);
  if (problem.retryAfter !== undefined && problem.status === 429) {
    sentence += ` (try again in ${problem.retryAfter} s)`;
  }
  return sentence;
}

function statusWords(status: number): string {
  if (status === 0) return PLAIN_WORDS.unreachable ?? "";
  if (status >= 500) return "Something went wrong on our side. Try again in a moment.";
  if (status === 404) return "Not found.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 401) return "Log in to continue.";
  return "That request could not be completed.";
}
