import type { components } from "@/api/schema";

// The tenants service documents `spec`, `entitlements` and `conditions` as free-form objects (they
// are the CRD's own types, whose schema is the CRD's, not the service's); their shape is written
// here, from crds/manifests/tenant.yaml.
export interface TenantSpec {
  displayName: string;
  owners: string[];
  plan: string;
  isolation: "pooled" | "siloed";
  deletionPolicy?: "Delete" | "Retain";
  suspended?: boolean;
  preventDeletion?: boolean;
}

export interface Entitlements {
  plan: string;
  maxProjects: number;
  maxMembers: number;
  requestsPerSecond: number;
  isolation: "pooled" | "siloed";
}

export type TenantView = Omit<components["schemas"]["TenantView"], "spec" | "entitlements" | "conditions"> & {
  spec: TenantSpec;
  entitlements?: Entitlements | null;
  conditions: Condition[];
};

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export function conditionsOf(tenant: { conditions?: Condition[] }): Condition[] {
  return tenant.conditions ?? [];
}

export function conditionIs(conditions: Condition[], type: string, status: Condition["status"]): boolean {
  return conditions.some((c) => c.type === type && c.status === status);
}

/** Suspended by an admin (spec.suspended) or by a payment lapse (the Suspended condition). */
export function isSuspended(tenant: TenantView): boolean {
  return !!tenant.spec.suspended || conditionIs(conditionsOf(tenant), "Suspended", "True");
}

/** The backing systems, in the order a person reads them, with the words they are shown as. */
export const SYSTEM_CONDITIONS: ReadonlyArray<{ type: string; label: string }> = [
  { type: "NamespaceReady", label: "Workspace (Kubernetes namespace)" },
  { type: "DatabaseReady", label: "Database (PostgreSQL)" },
  { type: "QueueReady", label: "Task queues (RabbitMQ)" },
  { type: "TopicsReady", label: "Event streams (Kafka)" },
  { type: "TableReady", label: "Profile store (DynamoDB)" },
  { type: "CacheReady", label: "Cache (Redis)" },
];
