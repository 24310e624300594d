import { stringify } from 'yaml';
import type { IstioSettings } from './settings.ts';

/** Provider names, shared by the meshConfig and the Telemetry resources (and the chart). */
export const ACCESS_LOG_PROVIDER = 'meshlog-als';
export const TRACING_PROVIDER = 'meshlog-tracing';

/** istiod's `meshConfig.extensionProviders` entries that send to the node's meshlog agent. */
export function extensionProviders(s: IstioSettings): Record<string, unknown>[] {
  const als =
    s.accessLogProvider === 'envoyHttpAls'
      ? {
          envoyHttpAls: {
            service: s.agentHost,
            port: s.alsPort,
            logName: 'meshlog',
            ...(s.headers.length ? { additionalRequestHeadersToLog: s.headers } : {}),
          },
        }
      : { envoyOtelAls: { service: s.agentHost, port: s.otlpPort, logName: 'meshlog' } };
  const providers: Record<string, unknown>[] = [{ name: ACCESS_LOG_PROVIDER, ...als }];
  if (s.tracing) providers.push({ name: TRACING_PROVIDER, opentelemetry: { service: s.agentHost, port: s.otlpPort } });
  return providers;
}

/** The Telemetry resources that turn the providers on: mesh-wide, per namespace, per ambient waypoint. */
export function telemetryResources(s: IstioSettings): Record<string, unknown>[] {
  const targets: { name: string; namespace: string; waypoint?: string }[] = [];
  if (s.meshWide) targets.push({ name: 'meshlog', namespace: s.rootNamespace });
  for (const ns of s.namespaces) targets.push({ name: 'meshlog', namespace: ns });
  for (const w of s.waypoints) targets.push({ name: `meshlog-${w.name}`, namespace: w.namespace, waypoint: w.name });
  return targets.map((t) => ({
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name: t.name, namespace: t.namespace },
    spec: {
      ...(t.waypoint
        ? { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: t.waypoint }] }
        : {}),
      accessLogging: [{ providers: [{ name: ACCESS_LOG_PROVIDER }] }],
      ...(s.tracing
        ? { tracing: [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: s.samplingPercentage }] }
        : {}),
    },
  }));
}

export type IstioPart = 'all' | 'meshconfig' | 'telemetry';

/**
 * The YAML `meshlog deploy istio` prints: the meshConfig fragment (istiod Helm values or an
 * IstioOperator's spec.meshConfig) and/or the Telemetry resources (kubectl apply -f).
 */
export function istioYaml(s: IstioSettings, part: IstioPart = 'all'): string {
  const docs: string[] = [];
  if (part !== 'telemetry')
    docs.push(
      '# istiod values (helm upgrade istiod istio/istiod --reuse-values -f -), or an IstioOperator spec\n' +
        stringify({ meshConfig: { extensionProviders: extensionProviders(s) } }, { lineWidth: 0 }),
    );
  if (part !== 'meshconfig') for (const t of telemetryResources(s)) docs.push(stringify(t, { lineWidth: 0 }));
  return docs.join('---\n');
}
