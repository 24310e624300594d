import { fileURLToPath } from 'node:url';

/**
 * The ONE place that says which shipped manifests the controller tests run: today the hand-written
 * templates in deploy/; once the chart's renderings are committed, point both at
 * `deploy/rendered/<values-name>.yaml` (each harness picks its kind out of a multi-document file).
 * The harnesses keep each URL's path and query and replace its scheme, host and port (the in-cluster
 * Service, e.g. http://meshlog-signals.meshlog.svc.cluster.local:8686) with the live meshlog's.
 */
const deployFile = (path: string) => fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url));

/** A YAML file holding the Argo Rollouts AnalysisTemplate that asks meshlog's canary judge. */
export function loadAnalysisTemplate(): string {
  return deployFile('argo-rollouts/analysis-template.yaml');
}

/** A YAML file holding the Flagger Canary whose webhooks ask meshlog's gate. */
export function loadFlaggerCanary(): string {
  return deployFile('flagger/canary-webhook.yaml');
}
