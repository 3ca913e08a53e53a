"use client";

import { useRef, useState } from "react";
import type { components } from "@/api/schema";

type Overview = components["schemas"]["BillingOverview"];

// Stripe's test payment methods (https://docs.stripe.com/testing), which the local Stripe fake
// knows too. In production, Stripe Checkout (POST /billing/checkout) collects the card instead.
const TEST_PAYMENT_METHODS = [
  { id: "pm_card_visa", label: "Test Visa card ending 4242 (succeeds)" },
  { id: "pm_card_visa_chargeDeclined", label: "Test Visa card ending 0002 (declined)" },
];

export function PlanPicker({
  overview,
  busy,
  onChoose,
  onCheckout,
}: {
  overview: Overview;
  busy: boolean;
  onCheckout: (plan: string) => void;
  onChoose: (plan: string, paymentMethod: string | undefined, idempotencyKey: string) => void;
}) {
  const [paymentMethod, setPaymentMethod] = useState(TEST_PAYMENT_METHODS[0]?.id ?? "");
  // One key per intended change, so that a retry of the same click never subscribes twice.
  const keys = useRef(new Map<string, string>());
  const keyFor = (plan: string) => {
    const key = `${plan}:${paymentMethod}`;
    if (!keys.current.has(key)) keys.current.set(key, crypto.randomUUID());
    return keys.current.get(key) ?? crypto.randomUUID();
  };
  const needsCard = !overview.stripeSubscriptionId;
  return (
    <section className="card" aria-labelledby="plans-title">
      <h2 id="plans-title">Plans</h2>
      {needsCard ? (
        <div className="field">
          <label htmlFor="payment-method">Payment method</label>
          <select id="payment-method" value={paymentMethod} onChange={(e) => setPaymentMethod(e.target.value)}>
            {TEST_PAYMENT_METHODS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div className="plans">
        {overview.plans.map((plan) => {
          const current = plan.name === overview.plan;
          return (
            <div className="plan" key={plan.name} data-current={current} data-plan={plan.name}>
              <h3>{plan.displayName}</h3>
              <ul>
                <li>{plan.maxProjects.toLocaleString()} projects</li>
                <li>{plan.maxMembers.toLocaleString()} members</li>
                <li>{plan.requestsPerSecond} requests per second</li>
                {plan.trialDays > 0 ? <li>{plan.trialDays}-day trial</li> : null}
              </ul>
              {current ? (
                <p className="status-ok">Your plan</p>
              ) : plan.billing === "contract" ? (
                <p className="muted">Invoiced by contract: contact sales.</p>
              ) : (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    onChoose(plan.name, plan.billing === "stripe" && needsCard ? paymentMethod : undefined, keyFor(plan.name))
                  }
                >
                  {plan.billing === "free" ? "Switch to Free" : `Choose ${plan.displayName}`}
                </button>
              )}
              {!current && plan.billing === "stripe" && needsCard ? (
                <button
                  type="button"
                  className="button-secondary"
                  disabled={busy}
                  onClick={() => onCheckout(plan.name)}
                >
                  Pay for {plan.displayName} on Stripe Checkout
                </button>
              ) : null}
            </div>
          );
        })}
      </div>
    </section>
  );
}
