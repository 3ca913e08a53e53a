"use client";

import { useEffect, useRef, useState } from "react";
import { result } from "@/api/client";
import type { components } from "@/api/schema";
import { Loading, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";
import { useTenant } from "@/tenant/TenantProvider";
import { Entitlements } from "./Entitlements";
import { Invoices } from "./Invoices";
import { PlanPicker } from "./PlanPicker";

type Overview = components["schemas"]["BillingOverview"];

// While Stripe has not confirmed a change, the page looks again this often.
const CONFIRMATION_POLL_MS = 1500;

export function Billing() {
  const { api } = useSession();
  const tenant = useTenant();
  const loaded = useLoad(() => result(api.GET("/api/billing/subscription")), [api]);
  const [overview, setOverview] = useState<Overview>();
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const reloadTenant = useRef(tenant.reload);
  reloadTenant.current = tenant.reload;

  useEffect(() => {
    if (loaded.status === "ready") setOverview(loaded.data);
  }, [loaded]);

  const pending = !!overview && overview.plan !== (overview.planInForce ?? overview.plan);
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => {
      void result(api.GET("/api/billing/subscription")).then((r) => {
        if (!r.ok) return;
        setOverview(r.data);
        if (r.data.plan === r.data.planInForce) reloadTenant.current();
      });
    }, CONFIRMATION_POLL_MS);
    return () => clearInterval(timer);
  }, [api, pending]);

  if (loaded.status === "loading" || (loaded.status === "ready" && !overview)) return <Loading what="billing" />;
  if (loaded.status === "error") return <ProblemAlert problem={loaded.problem} onRetry={loaded.reload} />;
  if (!overview) return null;

  async function act(call: () => Promise<{ ok: true; data: Overview } | { ok: false; problem: Problem }>) {
    setBusy(true);
    const answer = await call();
    setBusy(false);
    setProblem(answer.ok ? undefined : answer.problem);
    if (answer.ok) {
      setOverview(answer.data);
      tenant.reload();
    }
  }

  // Stripe's own pages (Checkout to subscribe, the Portal for cards and invoices), where the
  // payment provider offers them; the local fake does not (501), which is said in words.
  async function hosted(kind: "checkout" | "portal", plan?: string) {
    setBusy(true);
    const answer =
      kind === "checkout"
        ? await result(api.POST("/api/billing/checkout", { body: { plan: plan ?? "" } }))
        : await result(api.POST("/api/billing/portal"));
    setBusy(false);
    if (answer.ok) window.location.assign(answer.data.url);
    else setProblem(answer.problem);
  }

  const current = overview.plans.find((p) => p.name === overview.plan);
  const paid = current?.billing === "stripe" && !!overview.stripeSubscriptionId;
  return (
    <>
      <section className="card" aria-labelledby="plan-title">
        <h2 id="plan-title">Your plan</h2>
        <dl className="facts">
          <dt>Plan</dt>
          <dd data-testid="plan">{current?.displayName ?? overview.plan}</dd>
          <dt>In force</dt>
          <dd data-testid="plan-in-force">{overview.planInForce ?? "not yet"}</dd>
          {overview.state ? (
            <>
              <dt>Payment</dt>
              <dd>{overview.state}</dd>
            </>
          ) : null}
          {overview.currentPeriodEnd ? (
            <>
              <dt>{overview.cancelAtPeriodEnd ? "Ends on" : "Renews on"}</dt>
              <dd>{new Date(overview.currentPeriodEnd).toLocaleDateString()}</dd>
            </>
          ) : null}
        </dl>
        {pending ? (
          <p className="alert alert-info" role="status" data-testid="billing-pending">
            Waiting for Stripe to confirm the change to {overview.plan}. Your current entitlements stay in force until
            it does.
          </p>
        ) : null}
        {overview.suspendedForPayment ? (
          <p className="alert alert-error" role="alert">
            Payment failed and the grace period is over: the organisation is suspended until a payment succeeds.
          </p>
        ) : null}
        <div className="row">
        {paid ? (
          overview.cancelAtPeriodEnd ? (
            <button
              type="button"
              disabled={busy}
              onClick={() => act(() => result(api.POST("/api/billing/subscription/resume")))}
            >
              Resume the subscription
            </button>
          ) : (
            <button
              type="button"
              className="button-secondary"
              disabled={busy}
              onClick={() => act(() => result(api.POST("/api/billing/subscription/cancel")))}
            >
              Cancel at the end of the period
            </button>
          )
        ) : null}
        {overview.stripeCustomerId ? (
          <button type="button" className="button-secondary" disabled={busy} onClick={() => hosted("portal")}>
            Manage cards and invoices on Stripe
          </button>
        ) : null}
        </div>
        <ProblemAlert problem={problem} />
      </section>
      <Entitlements />
      <PlanPicker
        overview={overview}
        busy={busy}
        onCheckout={(plan) => hosted("checkout", plan)}
        onChoose={(plan, paymentMethod, idempotencyKey) =>
          act(() =>
            result(
              api.PUT("/api/billing/subscription", {
                params: { header: { "Idempotency-Key": idempotencyKey } },
                body: { plan, paymentMethod },
              }),
            ),
          )
        }
      />
      <Invoices />
    </>
  );
}
