/** What the UI reads from an access token. It never verifies it: the gateway does that. */
export interface Claims {
  sub: string;
  tenant?: string;
  tenant_uid?: string;
  roles: string[];
  exp: number;
}

export function decodeClaims(token: string): Claims | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const value = JSON.parse(json) as Partial<Claims>;
    if (typeof value.sub !== "string" || typeof value.exp !== "number") return undefined;
    return {
      sub: value.sub,
      tenant: typeof value.tenant === "string" ? value.tenant : undefined,
      tenant_uid: typeof value.tenant_uid === "string" ? value.tenant_uid : undefined,
      roles: Array.isArray(value.roles) ? value.roles.filter((r): r is string => typeof r === "string") : [],
      exp: value.exp,
    };
  } catch {
    return undefined;
  }
}

export function canManage(claims: Claims | undefined): boolean {
  return !!claims && (claims.roles.includes("owner") || claims.roles.includes("admin"));
}

export function isPlatformAdmin(claims: Claims | undefined): boolean {
  return !!claims && claims.roles.includes("platform-admin");
}
