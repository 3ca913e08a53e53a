import type { Result } from "@/api/client";

/** Follows a listing's cursor to the end (bounded), so counts and filters see every item. */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Result<{ items: T[]; nextCursor?: string | null }>>,
  maxPages = 20,
): Promise<Result<T[]>> {
  const items: T[] = [];
  let cursor: string | undefined;
  let last: Response | undefined;
  for (let page = 0; page < maxPages; page++) {
    const answer = await fetchPage(cursor);
    if (!answer.ok) return answer;
    items.push(...answer.data.items);
    last = answer.response;
    if (!answer.data.nextCursor) break;
    cursor = answer.data.nextCursor;
  }
  return { ok: true, data: items, response: last ?? new Response() };
}
