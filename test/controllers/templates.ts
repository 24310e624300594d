import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/**
 * The ONE place that says which shipped manifests the controller tests run: the chart's committed
 * rendering of the full scale-out profile (`deploy/rendered/scale-out-backends.yaml`, kept equal to
 * `helm template` by test/deploy/chart.test.ts); each harness picks its kind out of the file.
 * The harnesses keep each URL's path and query and replace its scheme, host and port (the in-cluster
 * Service, e.g. http://meshlog-signals.meshlog.svc.cluster.local:8686) with the live meshlog's.
 */
const deployFile = (path: string) => fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url));

/** A YAML file holding the Argo Rollouts AnalysisTemplate that asks meshlog's canary judge. */
export function loadAnalysisTemplate(): string {
  return deployFile('rendered/scale-out-backends.yaml');
}

/** A YAML file holding the Flagger Canary whose webhooks ask meshlog's gate. */
export function loadFlaggerCanary(): string {
  return deployFile('rendered/scale-out-backends.yaml');
}

/** Where meshlog's gate looks for a Flagger Canary's traffic, from the Canary's gating webhook. */
export interface FlaggerTarget {
  namespace: string;
  service: string;
  canary: string;
  baseline: string;
}

/**
 * The services whose traffic the gate compares for the Canary in `file`: the webhook's metadata,
 * else the names Flagger gives (`<name>-canary`, `<name>-primary`), as POST /v1/flagger/gate reads them.
 */
export function flaggerTarget(file: string): FlaggerTarget {
  const canary = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as FlaggerCanaryDoc | null)
    .find((d) => d?.kind === 'Canary' && d.apiVersion?.startsWith('flagger.app/'));
  if (!canary) throw new Error(`${file} holds no Flagger Canary`);
  const name = canary.metadata.name;
  const hook = canary.spec.analysis?.webhooks?.find((w) => (w.type ?? 'rollout') === 'rollout');
  if (!hook) throw new Error(`the Canary in ${file} has no rollout webhook`);
  const m = hook.metadata ?? {};
  return {
    namespace: m.namespace ?? canary.metadata.namespace ?? 'default',
    service: m.service ?? name,
    canary: m.canary ?? `${name}-canary`,
    baseline: m.baseline ?? `${name}-primary`,
  };
}

interface FlaggerCanaryDoc {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string };
  spec: { analysis?: { webhooks?: Array<{ type?: string; metadata?: Record<string, string> }> } };
}
