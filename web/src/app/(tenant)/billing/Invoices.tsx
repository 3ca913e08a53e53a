"use client";

import { result } from "@/api/client";
import { Empty, Loading, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import { useSession } from "@/session/SessionProvider";

function money(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return "—";
  return new Intl.NumberFormat(undefined, { style: "currency", currency: (currency ?? "usd").toUpperCase() }).format(
    amount / 100,
  );
}

export function Invoices() {
  const { api } = useSession();
  const invoices = useLoad(() => result(api.GET("/api/billing/invoices")), [api]);
  return (
    <section className="card" aria-labelledby="invoices-title">
      <h2 id="invoices-title">Invoices</h2>
      {invoices.status === "loading" ? (
        <Loading what="invoices" />
      ) : invoices.status === "error" ? (
        <ProblemAlert problem={invoices.problem} onRetry={invoices.reload} />
      ) : invoices.data.length === 0 ? (
        <Empty>No invoices yet. They appear here once a paid plan bills.</Empty>
      ) : (
        <table>
          <caption className="muted">Newest first</caption>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Date</th>
              <th scope="col">Status</th>
              <th scope="col">Amount</th>
            </tr>
          </thead>
          <tbody>
            {invoices.data.map((invoice) => (
              <tr key={invoice.id}>
                <td>
                  {invoice.hostedInvoiceUrl ? (
                    <a href={invoice.hostedInvoiceUrl}>{invoice.number ?? invoice.id}</a>
                  ) : (
                    (invoice.number ?? invoice.id)
                  )}
                </td>
                <td>{invoice.created ? new Date(invoice.created * 1000).toLocaleDateString() : "—"}</td>
                <td>{invoice.status ?? "—"}</td>
                <td>{money(invoice.amountDue, invoice.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
