import type { Metadata } from "next";
import { Suspense } from "react";
import { AppShell } from "@/components/AppShell";
import { AcceptInvitation } from "./AcceptInvitation";

export const metadata: Metadata = { title: "Join an organisation" };

export default function AcceptInvitationPage() {
  return (
    <AppShell>
      <h1>Join an organisation</h1>
      <Suspense>
        <AcceptInvitation />
      </Suspense>
    </AppShell>
  );
}
