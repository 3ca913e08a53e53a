/**
 * Server-Sent Events over fetch. EventSource cannot send an Authorization header, and the access
 * token must not travel in a URL (it would land in logs), so the stream is read by hand.
 */
export interface SseEvent {
  event: string;
  data: string;
}

/** Splits a chunk of an event stream into whole events, keeping the unfinished tail. */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const normalized = buffer.replace(/\r\n?/g, "\n");
  const blocks = normalized.split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0 || event !== "message") events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

/**
 * Reads the stream at `url` until it ends or `signal` aborts. Resolves with the response status
 * (so a refused stream can be told from one that ended).
 */
export async function followSse(
  url: string,
  token: string,
  onEvent: (event: SseEvent) => void,
  signal: AbortSignal,
): Promise<{ status: number; body?: unknown }> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    signal,
    cache: "no-store",
  });
  if (!response.ok || !response.body) {
    return { status: response.status, body: await response.json().catch(() => undefined) };
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parsed = parseSse(buffer + value);
    buffer = parsed.rest;
    parsed.events.forEach(onEvent);
  }
  return { status: response.status };
}
