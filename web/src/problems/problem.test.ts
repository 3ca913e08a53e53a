import { describe, expect, it } from "vitest";
import { plainWords, toProblem } from "./problem";

describe("problems in plain words", () => {
  it("reads a problem+json body, and Retry-After", () => {
    const problem = toProblem(
      429,
      { type: "https://saascript.io/problems/rate-limited", title: "Too Many Requests", code: "rate_limited", detail: "x" },
      "7",
    );
    expect(problem).toMatchObject({ status: 429, code: "rate_limited", retryAfter: 7 });
    expect(plainWords(problem)).toBe("Too many requests. Wait a moment and try again. (try again in 7 s)");
  });

  it("keeps the service's own sentence where it names the limit or field", () => {
    const problem = toProblem(403, { code: "entitlement_exceeded", detail: "the plan free allows 3 projects" });
    expect(plainWords(problem)).toBe("the plan free allows 3 projects");
  });

  it("speaks for codes whose detail is meant for programmers", () => {
    expect(plainWords(toProblem(401, { code: "token_expired", detail: "exp < now" }))).toBe(
      "Your session has ended. Log in again.",
    );
  });

  it("never shows JSON, even for a body that is not a problem", () => {
    for (const body of [undefined, "<html>", ["a"], { message: "{}" }]) {
      const words = plainWords(toProblem(502, body));
      expect(words).not.toMatch(/[{}[\]]/);
      expect(words.length).toBeGreaterThan(10);
    }
    expect(plainWords(toProblem(0, undefined))).toMatch(/cannot be reached/);
  });
});
