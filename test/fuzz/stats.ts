/** What one target's fuzz run found; merged across worker restarts. */
export interface Finding {
  kind: 'crash' | 'hang' | 'memory' | 'no-reason';
  signature: string;
  count: number;
  /** The (minimised, for crashes) input, base64. */
  input: string;
  detail: string;
}

export interface TargetStats {
  target: string;
  runs: number;
  accepted: number;
  rejected: number;
  crashes: number;
  hangs: number;
  memory: number;
  noReason: number;
  bytes: number;
  slowestMs: number;
  /** Largest heap growth over one input, and that input's size. */
  peakHeapDelta: number;
  peakHeapInputBytes: number;
  reasons: Record<string, number>;
  findings: Finding[];
  ms: number;
}

export function emptyStats(target: string): TargetStats {
  return {
    target,
    runs: 0,
    accepted: 0,
    rejected: 0,
    crashes: 0,
    hangs: 0,
    memory: 0,
    noReason: 0,
    bytes: 0,
    slowestMs: 0,
    peakHeapDelta: 0,
    peakHeapInputBytes: 0,
    reasons: {},
    findings: [],
    ms: 0,
  };
}

export function addFinding(s: TargetStats, f: Omit<Finding, 'count'>): boolean {
  const known = s.findings.find((x) => x.kind === f.kind && x.signature === f.signature);
  if (known) {
    known.count++;
    return false;
  }
  if (s.findings.length < 50) s.findings.push({ ...f, count: 1 });
  return true;
}

export function merge(into: TargetStats, from: TargetStats): void {
  for (const k of ['runs', 'accepted', 'rejected', 'crashes', 'hangs', 'memory', 'noReason', 'bytes'] as const)
    into[k] += from[k];
  into.slowestMs = Math.max(into.slowestMs, from.slowestMs);
  if (from.peakHeapDelta > into.peakHeapDelta) {
    into.peakHeapDelta = from.peakHeapDelta;
    into.peakHeapInputBytes = from.peakHeapInputBytes;
  }
  for (const [r, n] of Object.entries(from.reasons)) into.reasons[r] = (into.reasons[r] ?? 0) + n;
  for (const f of from.findings) {
    const known = into.findings.find((x) => x.kind === f.kind && x.signature === f.signature);
    if (known) known.count += f.count;
    else into.findings.push({ ...f });
  }
}

/** A reason or error message with its variable parts blanked, so one cause counts once. */
export function template(s: string): string {
  return s
    .replace(/"(?:[^"\\]|\\.){0,400}"/g, '"…"')
    .replace(/\d+/g, '#')
    .slice(0, 160);
}
