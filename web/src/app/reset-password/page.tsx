import type { Metadata } from "next";
import { Suspense } from "react";
import { AppShell } from "@/components/AppShell";
import { ResetPassword } from "./ResetPassword";

export const metadata: Metadata = { title: "Reset your password" };

export default function ResetPasswordPage() {
  return (
    <AppShell>
      <h1>Reset your password</h1>
      <Suspense>
        <ResetPassword />
      </Suspense>
    </AppShell>
  );
}
