/**
 * Hostile inputs at scale, run first in every fuzz run: the shapes that blow up only when large
 * (length-prefix bombs, deep nesting, backtracking), which mutation capped at 64 KiB never makes.
 * Each must be refused or accepted within 1 s, with the heap growing less than 64×its size + 16 MiB.
 */
const MIB = 1024 * 1024;
const enc = new TextEncoder();

function repeat(head: Uint8Array, body: Uint8Array, total: number, tail = new Uint8Array(0)): Uint8Array {
  const n = Math.max(0, Math.floor((total - head.length - tail.length) / body.length));
  const out = new Uint8Array(head.length + n * body.length + tail.length);
  out.set(head);
  for (let i = 0; i < n; i++) out.set(body, head.length + i * body.length);
  out.set(tail, head.length + n * body.length);
  return out;
}
const b = (...x: number[]) => Uint8Array.from(x);

/** msgpack: array32/map32 headers claiming 2^32-1 elements, then nils (issue 12, item 1), and deep nesting. */
export function msgpackBombs(prefix: Uint8Array): Uint8Array[] {
  const tagged = (x: Uint8Array) => new Uint8Array([...prefix, ...x]);
  return [
    tagged(repeat(b(0xdd, 0xff, 0xff, 0xff, 0xff), b(0xc0), 4 * MIB)),
    tagged(repeat(b(0xdf, 0xff, 0xff, 0xff, 0xff), b(0xc0, 0xc0), 4 * MIB)),
    tagged(repeat(b(0x93, 0xa1, 0x74, 0xdd, 0xff, 0xff, 0xff, 0xff), b(0x92, 0x00, 0x80), 4 * MIB)),
    tagged(repeat(b(0x92, 0x00), b(0x91), 1 * MIB, b(0xc0))),
    tagged(repeat(b(0x93, 0xa1, 0x74, 0x00), b(0x81, 0xa1, 0x61), 1 * MIB, b(0xc0))),
  ];
}

/** Long text lines of the shapes that make regexes backtrack: quotes, separators, brackets. */
export function longLines(): Uint8Array[] {
  const stamp = '[2025-12-14T15:04:12.558Z] "GET / HTTP/1.1" 200 - ';
  return [
    stamp + '" '.repeat(256 * 1024),
    stamp + '"'.repeat(512 * 1024),
    stamp + 'a '.repeat(256 * 1024),
    '['.repeat(512 * 1024),
    stamp + '- '.repeat(20) + '"x" '.repeat(100 * 1024),
  ].map((s) => enc.encode(s));
}

/** Format strings whose operators touch (no literal between them), with a long line that does not fit. */
export function backtrackingFormats(): Uint8Array[] {
  return [
    `%REQ(A)%%REQ(B)%%REQ(C)%%REQ(D)%%REQ(E)%%REQ(F)% %RESPONSE_CODE%\n${'a'.repeat(20_000)} x`,
    `%REQ(A)%%REQ(B)%%REQ(C)% %DURATION% %RESPONSE_CODE%\n${'a '.repeat(10_000)}x`,
    `"%REQ(A)%" "%REQ(B)%" "%REQ(C)%" %RESPONSE_CODE%\n${'" '.repeat(50_000)}`,
  ].map((s) => enc.encode(s));
}

/** OTLP JSON with AnyValue nested far deeper than any producer would (anyValue recurses). */
export function deepAnyValue(kind: 'logs' | 'traces', depth = 50_000): Uint8Array {
  const open = '{"arrayValue":{"values":['.repeat(depth);
  const close = ']}}'.repeat(depth);
  const value = `${open}{"stringValue":"x"}${close}`;
  const attrs = `[{"key":"k","value":${value}}]`;
  const doc =
    kind === 'logs'
      ? `{"resourceLogs":[{"resource":{"attributes":${attrs}},"scopeLogs":[]}]}`
      : `{"resourceSpans":[{"resource":{"attributes":${attrs}},"scopeSpans":[]}]}`;
  return enc.encode(doc);
}

/** A Zipkin body of 200k empty spans: linear work, but many rejections. */
export function manyZipkinSpans(): Uint8Array {
  return enc.encode(`[${Array.from({ length: 200_000 }, () => '{}').join(',')}]`);
}
