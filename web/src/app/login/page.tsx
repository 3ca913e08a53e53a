import type { Metadata } from "next";
import { Suspense } from "react";
import { AppShell } from "@/components/AppShell";
import { LoginForm } from "./LoginForm";

export const metadata: Metadata = { title: "Log in" };

export default function LoginPage() {
  return (
    <AppShell>
      <h1>Log in</h1>
      <Suspense>
        <LoginForm />
      </Suspense>
    </AppShell>
  );
}
