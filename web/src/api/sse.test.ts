import { describe, expect, it } from "vitest";
import { parseSse } from "./sse";

describe("server-sent events", () => {
  it("splits whole events and keeps the unfinished tail", () => {
    const { events, rest } = parseSse('event: condition\ndata: {"type":"Ready"}\n\n: keep-alive\n\nevent: ready\ndata');
    expect(events).toEqual([{ event: "condition", data: '{"type":"Ready"}' }]);
    expect(rest).toBe("event: ready\ndata");
    const next = parseSse(`${rest}: \n\n`);
    expect(next.events).toEqual([{ event: "ready", data: "" }]);
  });

  it("joins multi-line data and reads CRLF streams", () => {
    const { events } = parseSse("event: failed\r\ndata: a\r\ndata: b\r\n\r\n");
    expect(events).toEqual([{ event: "failed", data: "a\nb" }]);
  });
});
