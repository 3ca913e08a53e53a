import type { Metadata } from "next";
import { Suspense } from "react";
import { AppShell } from "@/components/AppShell";
import { VerifyEmail } from "./VerifyEmail";

export const metadata: Metadata = { title: "Confirm your email" };

export default function VerifyEmailPage() {
  return (
    <AppShell>
      <h1>Confirm your email</h1>
      <Suspense>
        <VerifyEmail />
      </Suspense>
    </AppShell>
  );
}
