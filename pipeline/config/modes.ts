import type { MeshlogConfig } from './load.ts';
import type { ConfigIssue } from './issues.ts';
import type { Mode } from './service.ts';

type Kind = 'receivers' | 'processors' | 'exporters';

/**
 * The component types each part of the topology may run (DESIGN §1). `all` runs anything.
 * - agent: the node's receivers and the parser; records leave through Kafka only.
 * - processor: reads the records topic, joins and enriches, exports, publishes route windows.
 * - signals: reads the windows topic, judges and decides, publishes decisions.
 * `blackhole` is allowed wherever an exporter is, for benchmarks.
 */
export const MODE_COMPONENTS: Record<Exclude<Mode, 'all'>, Record<Kind, readonly string[]>> = {
  agent: {
    receivers: ['envoy_als', 'otlp', 'fluent_forward', 'http_lines', 'zipkin'],
    processors: ['parse'],
    exporters: ['kafka', 'blackhole'],
  },
  processor: {
    receivers: ['kafka'],
    processors: ['labels', 'join', 'signals'],
    exporters: ['elasticsearch', 'otlp', 'file', 'kafka', 'blackhole'],
  },
  signals: {
    receivers: ['kafka'],
    processors: ['signals'],
    exporters: ['kafka', 'elasticsearch', 'file', 'blackhole'],
  },
};

/**
 * Checks that every pipeline that runs in `mode` (or, without a mode, in any mode it declares)
 * uses only components that mode allows, and that `mode` has at least one pipeline.
 */
export function checkModes(config: MeshlogConfig, mode?: Mode): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pipelines = Object.entries(config.service.pipelines);
  if (mode && !pipelines.some(([, p]) => p.modes.includes(mode)))
    issues.push({ path: 'service.pipelines', message: `no pipeline runs in mode "${mode}" (set modes: [${mode}])` });
  for (const [name, p] of pipelines) {
    for (const m of mode ? [mode] : p.modes) {
      if (!p.modes.includes(m) || m === 'all') continue;
      const allowed = MODE_COMPONENTS[m];
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        p[kind].forEach((id, i) => {
          if (kind === 'receivers' && id.startsWith('pipeline:')) return;
          const type = id.split('/')[0];
          if (!allowed[kind].includes(type))
            issues.push({
              path: `service.pipelines.${name}.${kind}.${i}`,
              message: `${kind.slice(0, -1)} type "${type}" does not run in mode ${m} (allowed: ${allowed[kind].join(', ')})`,
              value: id,
            });
        });
      }
    }
  }
  return issues;
}
