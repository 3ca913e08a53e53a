"use client";

import Link from "next/link";
import { useState } from "react";
import { Loading } from "@/components/states";
import { useSession } from "@/session/SessionProvider";
import { CreateTenantStep } from "./CreateTenantStep";
import { ProvisioningStep } from "./ProvisioningStep";
import { RegisterStep } from "./RegisterStep";

/**
 * Sign-up in three steps, each resumable from a reload: register (then confirm the email from
 * the link), create the organisation, and watch it being provisioned.
 */
export function SignUp() {
  const session = useSession();
  const [created, setCreated] = useState<string>();
  if (session.state.status === "loading") return <Loading what="your session" />;
  if (session.state.status === "anonymous") {
    return (
      <>
        <ol className="muted" aria-label="Sign-up steps">
          <li aria-current="step">Create your account</li>
          <li>Confirm your email</li>
          <li>Create your organisation</li>
        </ol>
        <RegisterStep />
        <p>
          Already have an account? <Link href="/login?next=%2Fsignup">Log in</Link>
        </p>
      </>
    );
  }
  const tenant = session.state.claims.tenant;
  if (!tenant && !created) return <CreateTenantStep onCreated={setCreated} />;
  return <ProvisioningStep tenant={tenant ?? created ?? ""} />;
}
