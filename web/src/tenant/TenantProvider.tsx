"use client";

import { createContext, useContext, type ReactNode } from "react";
import { result, type Result } from "@/api/client";
import { useLoad, type Loaded } from "@/components/useLoad";
import { useSession } from "@/session/SessionProvider";
import { isSuspended, type TenantView } from "./tenant-view";

export type TenantState = Loaded<TenantView> & { reload: () => void; suspended: boolean };

const TenantContext = createContext<TenantState | undefined>(undefined);

/** The caller's tenant, read once per page and shared by the shell, the banner and the pages. */
export function TenantProvider({ children }: { children: ReactNode }) {
  const { api } = useSession();
  const loaded = useLoad(
    async () => (await result(api.GET("/api/tenants/current"))) as Result<TenantView>,
    [api],
  );
  const suspended = loaded.status === "ready" && isSuspended(loaded.data);
  return <TenantContext.Provider value={{ ...loaded, suspended }}>{children}</TenantContext.Provider>;
}

export function useTenant(): TenantState {
  const tenant = useContext(TenantContext);
  if (!tenant) throw new Error("useTenant outside TenantProvider");
  return tenant;
}
