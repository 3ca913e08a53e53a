import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { Field } from "./Field";
import { ProblemAlert } from "./states";

describe("states and fields", () => {
  it("announces a problem in words, with a retry", () => {
    const retry = vi.fn();
    render(<ProblemAlert problem={{ status: 403, code: "tenant_suspended" }} onRetry={retry} />);
    expect(screen.getByRole("alert").textContent).toContain("suspended");
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(retry).toHaveBeenCalledOnce();
  });

  it("labels every field and ties its error to it", () => {
    render(<Field label="Email" name="email" error="That is not an address." />);
    const input = screen.getByLabelText("Email");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const described = input.getAttribute("aria-describedby") ?? "";
    expect(document.getElementById(described)?.textContent).toBe("That is not an address.");
  });
});
