import type { Metadata } from "next";
import { AppShell } from "@/components/AppShell";
import { SignUp } from "./SignUp";

export const metadata: Metadata = { title: "Sign up" };

export default function SignUpPage() {
  return (
    <AppShell>
      <h1>Sign up</h1>
      <SignUp />
    </AppShell>
  );
}
