import type { LineContext } from './normalise.ts';

/**
 * Container runtimes and log shippers wrap the Envoy line. What is peeled off here:
 * - CRI (containerd, CRI-O): `2024-05-01T10:00:00.123456789Z stdout F <line>`;
 * - `kubectl logs --timestamps`: `2024-05-01T10:00:00.123456789Z <line>`;
 * - docker json-file and Fluent Bit records: `{"log":"<line>\n", …}`, with Fluent Bit's
 *   `kubernetes` metadata kept as context;
 * - `kubectl logs --prefix`: `[pod/<pod>/<container>] <line>`;
 * - `stern`: `[<namespace> ]<pod> <container> <line>`, colours (ANSI escapes) removed.
 * The pod and namespace of a prefix are kept as context.
 * `partial` is true for a CRI `P` line, whose text continues on the next line of the stream.
 */
export interface Unwrapped {
  line: string;
  partial: boolean;
  /** The object, when the line itself turned out to be JSON that is not a wrapper. */
  json?: Record<string, unknown>;
  context?: LineContext;
  /** Set when a leading timestamp was taken to be a `kubectl --timestamps` stamp: the line as it was. */
  stamped?: string;
}

const CRI = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) (?:stdout|stderr) ([PF]) /;
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) /;
const KUBECTL_PREFIX = /^\[pod\/([^/\]\s]+)\/([^\]\s]+)\] /;
/** Kubernetes names (RFC 1123 labels; pods may have dots), then what an access line starts with. */
const STERN_PREFIX =
  /^(?:([a-z0-9][-a-z0-9]{0,62}) )?([a-z0-9][-a-z0-9.]{0,252}) ([a-z0-9][-a-z0-9]{0,62}) (?=\[|\{|\d{4}-\d\d-\d\dT)/;
/** Terminal colour codes (stern colours pod and container names). */
const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');

export function unwrap(line: string): Unwrapped {
  if (line.includes('\x1b')) line = line.replace(ANSI, '');
  const c = line.charCodeAt(0);
  if (c === 91 /* [ */ && line.startsWith('[pod/')) {
    const k = KUBECTL_PREFIX.exec(line);
    if (k) return withContext(unwrap(line.slice(k[0].length)), { pod: k[1] });
  }
  if (c >= 97 && c <= 122) {
    const st = STERN_PREFIX.exec(line);
    if (st) {
      const ctx: LineContext = { pod: st[2] };
      if (st[1]) ctx.namespace = st[1];
      return withContext(unwrap(line.slice(st[0].length)), ctx);
    }
  }
  if (c >= 48 && c <= 57) {
    const cri = CRI.exec(line);
    if (cri) return { line: line.slice(cri[0].length), partial: cri[1] === 'P' };
    const stamp = STAMP.exec(line);
    // A custom format may itself start with a timestamp; the parser retries with `stamped`.
    if (stamp) return { ...unwrap(line.slice(stamp[0].length)), stamped: line };
    return { line, partial: false };
  }
  if (c === 123 /* { */) {
    const obj = JSON.parse(line) as unknown; // the caller turns a SyntaxError into a rejection
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
      const rec = obj as Record<string, unknown>;
      if (typeof rec.log === 'string' && !('start_time' in rec)) {
        const inner = rec.log.replace(/\r?\n$/, '');
        const context = kubernetesContext(rec.kubernetes);
        const next = unwrap(inner);
        return { ...next, context: { ...context, ...next.context } };
      }
      return { line, partial: false, json: rec };
    }
  }
  return { line, partial: false };
}

/** Context found further in (Fluent Bit metadata) wins over a prefix's. */
function withContext(u: Unwrapped, ctx: LineContext): Unwrapped {
  return { ...u, context: { ...ctx, ...u.context } };
}

function kubernetesContext(k: unknown): LineContext | undefined {
  if (!k || typeof k !== 'object') return undefined;
  const m = k as Record<string, unknown>;
  const ctx: LineContext = {};
  if (typeof m.pod_name === 'string') ctx.pod = m.pod_name;
  if (typeof m.namespace_name === 'string') ctx.namespace = m.namespace_name;
  return ctx;
}
