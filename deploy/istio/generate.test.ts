import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { extensionProviders, istioYaml, telemetryResources } from './generate.ts';
import { istioSettings } from './settings.ts';

describe('meshlog deploy istio', () => {
  it('declares the gRPC ALS and tracing providers at the agent, with the business headers', () => {
    const p = extensionProviders(istioSettings.parse({ headers: ['x-tenant'] }));
    expect(p).toEqual([
      {
        name: 'meshlog-als',
        envoyHttpAls: {
          service: 'meshlog-agent.meshlog.svc.cluster.local',
          port: 9001,
          logName: 'meshlog',
          additionalRequestHeadersToLog: ['x-tenant'],
        },
      },
      { name: 'meshlog-tracing', opentelemetry: { service: 'meshlog-agent.meshlog.svc.cluster.local', port: 4317 } },
    ]);
  });

  it('uses OTLP logs with envoyOtelAls and leaves tracing out when asked', () => {
    const p = extensionProviders(istioSettings.parse({ accessLogProvider: 'envoyOtelAls', tracing: false }));
    expect(p).toEqual([
      {
        name: 'meshlog-als',
        envoyOtelAls: { service: 'meshlog-agent.meshlog.svc.cluster.local', port: 4317, logName: 'meshlog' },
      },
    ]);
  });

  it('enables them mesh-wide, per namespace and on ambient waypoints through targetRefs', () => {
    const t = telemetryResources(
      istioSettings.parse({ namespaces: ['shop'], waypoints: [{ namespace: 'pay', name: 'waypoint' }] }),
    );
    expect(t.map((x: any) => `${x.metadata.namespace}/${x.metadata.name}`)).toEqual([
      'istio-system/meshlog',
      'shop/meshlog',
      'pay/meshlog-waypoint',
    ]);
    expect((t[2] as any).spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' },
    ]);
    expect((t[0] as any).spec.targetRefs).toBeUndefined();
    expect((t[1] as any).spec.tracing[0].randomSamplingPercentage).toBe(1);
  });

  it('prints the meshConfig fragment and the Telemetry resources as one YAML stream', () => {
    const docs = parseAllDocuments(istioYaml(istioSettings.parse({}))).map((d) => d.toJS());
    expect(Object.keys(docs[0])).toEqual(['meshConfig']);
    expect(docs.slice(1).map((d) => d.kind)).toEqual(['Telemetry']);
    const only = parseAllDocuments(istioYaml(istioSettings.parse({}), 'telemetry')).map((d) => d.toJS());
    expect(only.map((d) => d.kind)).toEqual(['Telemetry']);
  });
});
