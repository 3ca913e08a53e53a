import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next";

describe("the next parameter", () => {
  it("follows paths within the UI only", () => {
    expect(safeNext("/projects?x=1")).toBe("/projects?x=1");
    for (const outside of ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", ""]) {
      expect(safeNext(outside)).toBe("/");
    }
    expect(safeNext(null, "/signup")).toBe("/signup");
  });
});
