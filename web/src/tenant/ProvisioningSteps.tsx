import { SYSTEM_CONDITIONS, type Condition } from "./tenant-view";

export type Outcome =
  | { kind: "following" }
  | { kind: "ready" }
  | { kind: "failed"; reason: string; message: string }
  | { kind: "gone" };

/** One line per backing system, as the operator reports it. Pure: rendered from plain values. */
export function ProvisioningSteps({ conditions, outcome }: { conditions: Map<string, Condition>; outcome: Outcome }) {
  return (
    <ul className="steps" aria-label="Provisioning progress">
      {SYSTEM_CONDITIONS.map(({ type, label }) => {
        const condition = conditions.get(type);
        const state = stateOf(condition, outcome);
        return (
          <li key={type} data-system={type} data-state={state}>
            <span className={`status-${state === "ready" ? "ok" : state === "failed" ? "failed" : "waiting"}`}>
              {state === "ready" ? "✓ Ready" : state === "failed" ? "✗ Failed" : "… Waiting"}
            </span>
            <span>
              {label}
              {condition && condition.status !== "True" && condition.message ? (
                <span className="muted"> — {condition.message}</span>
              ) : null}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function stateOf(condition: Condition | undefined, outcome: Outcome): "ready" | "failed" | "waiting" {
  if (condition?.status === "True") return "ready";
  if (outcome.kind === "failed" && condition) return "failed";
  return "waiting";
}
