import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../services/controllers.sh', import.meta.url));

/** Builds (once, cached) and returns the path of a harness binary: `argo` or `flagger`. */
export async function harnessBinary(which: 'argo' | 'flagger'): Promise<string> {
  const { stdout } = await run('bash', [SCRIPT, 'path', which], { maxBuffer: 1 << 20 });
  return stdout.trim();
}

/** One measurement of Argo Rollouts' web provider, as argo-metric prints it. */
export interface ArgoMeasurement {
  metric: string;
  templateUrl: string;
  url: string;
  phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  value: string;
  message?: string;
  consecutiveErrorLimit?: string;
}

/** Runs Argo's web provider once per web metric of the AnalysisTemplate against `meshlogUrl`. */
export async function argoMeasure(
  bin: string,
  template: string,
  meshlogUrl: string,
  args: Record<string, string>,
): Promise<ArgoMeasurement[]> {
  const argv = ['--template', template, '--meshlog', meshlogUrl];
  for (const [k, v] of Object.entries(args)) argv.push('--arg', `${k}=${v}`);
  const { stdout } = await run(bin, argv, { maxBuffer: 1 << 20 });
  return (JSON.parse(stdout) as { measurements: ArgoMeasurement[] }).measurements;
}

/** What Flagger's scheduler does with one webhook's answer, as flagger-webhook prints it. */
export interface FlaggerHook {
  webhook: string;
  type: 'pre-rollout' | 'rollout' | 'confirm-promotion' | 'rollback';
  templateUrl: string;
  url: string;
  phase: string;
  passed: boolean;
  action: 'advance' | 'halt' | 'rollback' | 'continue';
  error?: string;
}

/** Calls Flagger's CallWebhook for every gating webhook of the Canary against `meshlogUrl`. */
export async function flaggerHooks(bin: string, canary: string, meshlogUrl: string): Promise<FlaggerHook[]> {
  const { stdout } = await run(bin, ['--canary', canary, '--meshlog', meshlogUrl], { maxBuffer: 1 << 20 });
  return (JSON.parse(stdout) as { webhooks: FlaggerHook[] }).webhooks;
}
