"use client";

import { result } from "@/api/client";
import { useLoad } from "@/components/useLoad";
import { useSession } from "@/session/SessionProvider";

export interface MemberEntry {
  user: string;
  email: string;
  role: string;
  since?: string;
}

/** The tenant's members, for assignees and authors shown by address rather than by id. */
export function useMembers() {
  const { api } = useSession();
  return useLoad(async () => {
    const answer = await result(api.GET("/api/tenants/current/members"));
    if (!answer.ok) return answer;
    const data = answer.data as unknown as { members?: MemberEntry[] };
    return { ok: true as const, data: data.members ?? [], response: answer.response };
  }, [api]);
}

export function emailOf(members: MemberEntry[], user: string | null | undefined): string {
  if (!user) return "nobody";
  return members.find((m) => m.user === user)?.email ?? user;
}
