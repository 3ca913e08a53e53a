import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ProvisioningSteps } from "./ProvisioningSteps";
import type { Condition } from "./tenant-view";

function conditions(...list: Array<[string, Condition["status"], string?]>): Map<string, Condition> {
  return new Map(list.map(([type, status, message]) => [type, { type, status, reason: "R", message: message ?? "" }]));
}

describe("provisioning progress", () => {
  it("shows one line per backing system, ready or waiting with the operator's message", () => {
    render(
      <ProvisioningSteps
        conditions={conditions(["NamespaceReady", "True"], ["DatabaseReady", "False", "creating the role"])}
        outcome={{ kind: "following" }}
      />,
    );
    const list = screen.getByRole("list", { name: "Provisioning progress" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(6);
    expect(items[0]?.dataset.state).toBe("ready");
    expect(items[1]?.dataset.state).toBe("waiting");
    expect(items[1]?.textContent).toContain("creating the role");
    expect(items[5]?.dataset.state).toBe("waiting");
  });

  it("marks the systems that did not get there as failed on a terminal failure", () => {
    render(
      <ProvisioningSteps
        conditions={conditions(["NamespaceReady", "True"], ["DatabaseReady", "False", "quota"])}
        outcome={{ kind: "failed", reason: "UnknownPlan", message: "no plan gold" }}
      />,
    );
    const items = screen.getAllByRole("listitem");
    expect(items.map((i) => i.dataset.state)).toEqual(["ready", "failed", "waiting", "waiting", "waiting", "waiting"]);
    expect(items[1]?.textContent).toContain("Failed");
  });
});
