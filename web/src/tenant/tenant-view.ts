import type { components } from "@/api/schema";

export type TenantView = components["schemas"]["TenantView"];

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export function conditionsOf(tenant: { conditions?: unknown }): Condition[] {
  return Array.isArray(tenant.conditions) ? (tenant.conditions as Condition[]) : [];
}

export function conditionIs(conditions: Condition[], type: string, status: Condition["status"]): boolean {
  return conditions.some((c) => c.type === type && c.status === status);
}

/** Suspended by an admin (spec.suspended) or by a payment lapse (the Suspended condition). */
export function isSuspended(tenant: TenantView): boolean {
  const spec = tenant.spec as { suspended?: boolean } | undefined;
  return !!spec?.suspended || conditionIs(conditionsOf(tenant), "Suspended", "True");
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
