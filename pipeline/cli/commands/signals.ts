import { toYaml } from '../../../processors/signals/api.ts';
import { signalsConfig } from '../../../processors/signals/config.ts';
import { SignalsEngine } from '../../../processors/signals/engine.ts';
import { readLogFiles } from '../read-parts.ts';
import { writeCanaryReport } from './canary-report.ts';

/** Replays access logs through a SignalsEngine on event time, oldest first (input order breaks ties). */
function replay(
  logs: string[],
  format: string,
  overrides: Record<string, unknown> = {},
): { hub: SignalsEngine; transitions: ReturnType<SignalsEngine['observe']> } {
  const hub = new SignalsEngine(signalsConfig.parse(overrides));
  const records = readLogFiles(logs, format)
    .map((r, i) => ({ r, t: Date.parse(r['@timestamp']), i }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.r);
  const transitions = hub.observe(records);
  return { hub, transitions };
}

/** `meshlog analyze`: the canary verdict, the same JSON as GET /v1/canary. */
export function analyzeCommand(opts: {
  logs: string[];
  namespace?: string;
  service: string;
  canary: string;
  baseline: string;
  window: string;
  end?: string;
  format: string;
  html?: string;
}): void {
  const { hub } = replay(opts.logs, opts.format, { windows: { windows: [opts.window] } });
  const end = opts.end ? Date.parse(opts.end) : undefined;
  if (opts.end && !Number.isFinite(end)) {
    process.stderr.write(`--end: not an ISO time: ${opts.end}\n`);
    process.exit(2);
  }
  const answer = hub.canary({
    namespace: opts.namespace,
    service: opts.service,
    canary: opts.canary,
    baseline: opts.baseline,
    window: opts.window,
    end,
  });
  if (opts.html) writeCanaryReport(opts.html, hub, answer);
  process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
}

/** `meshlog breaker`: breaker transitions as NDJSON. */
export function breakerCommand(opts: { logs: string[]; policy: 'hystrix' | 'resilience4j'; format: string }): void {
  const { transitions, hub } = replay(opts.logs, opts.format, { breaker: { policy: opts.policy } });
  process.stdout.write(transitions.map((t) => JSON.stringify(t)).join('\n') + (transitions.length ? '\n' : ''));
  process.stderr.write(
    JSON.stringify({
      summary: {
        policy: hub.breakers.policy.name,
        edges: hub.breakers.states().length,
        transitions: transitions.length,
      },
    }) + '\n',
  );
}

/** `meshlog recommend`: Istio YAML for what the logs show (or JSON with --json). */
export function recommendCommand(opts: { logs: string[]; format: string; json?: boolean }): void {
  const { hub } = replay(opts.logs, opts.format);
  const recs = hub.recommendations();
  process.stdout.write(opts.json ? JSON.stringify(recs, null, 2) + '\n' : toYaml(recs));
}
