import type { LineContext } from './normalise.ts';

/**
 * Container runtimes and log shippers wrap the Envoy line. What is peeled off here:
 * - CRI (containerd, CRI-O): `2024-05-01T10:00:00.123456789Z stdout F <line>`;
 * - `kubectl logs --timestamps`: `2024-05-01T10:00:00.123456789Z <line>`;
 * - docker json-file and Fluent Bit records: `{"log":"<line>\n", …}`, with Fluent Bit's
 *   `kubernetes` metadata kept as context.
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

export function unwrap(line: string): Unwrapped {
  const c = line.charCodeAt(0);
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

function kubernetesContext(k: unknown): LineContext | undefined {
  if (!k || typeof k !== 'object') return undefined;
  const m = k as Record<string, unknown>;
  const ctx: LineContext = {};
  if (typeof m.pod_name === 'string') ctx.pod = m.pod_name;
  if (typeof m.namespace_name === 'string') ctx.namespace = m.namespace_name;
  return ctx;
}
