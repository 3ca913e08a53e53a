import type { Metadata } from "next";
import type { ReactNode } from "react";
import { publicGatewayUrl } from "@/config/runtime";
import { SessionProvider } from "@/session/SessionProvider";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "SaaScript", template: "%s · SaaScript" },
  description: "Your organisation on SaaScript: projects, members, billing.",
};

// The gateway's address is read per request, so one build serves any environment.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <SessionProvider gatewayUrl={publicGatewayUrl()}>{children}</SessionProvider>
      </body>
    </html>
  );
}
