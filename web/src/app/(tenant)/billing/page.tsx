import type { Metadata } from "next";
import { Billing } from "./Billing";

export const metadata: Metadata = { title: "Billing" };

export default function BillingPage() {
  return (
    <>
      <h1>Billing</h1>
      <Billing />
    </>
  );
}
