import { stringify } from 'yaml';
import type { FluentBitSettings } from './settings.ts';

/** Where the state (tail offsets, filesystem buffer) lives on the node; the chart mounts it as a hostPath. */
export const STATE_DIR = '/var/fluent-bit/state';

type Section = Record<string, string | number | boolean>;

export interface FluentBitConfig {
  service: Section;
  pipeline: { inputs: Section[]; filters: Section[]; outputs: Section[] };
}

/**
 * The Fluent Bit pipeline that ships the mesh's access logs to meshlog: tail the proxies' container
 * files (CRI format), add Kubernetes metadata (meshlog reads `kubernetes.*` for the source workload),
 * buffer on the filesystem, and forward to the node's agent, which acknowledges each chunk only
 * once it has accepted it (Require_ack_response), so a restarting agent loses nothing.
 */
export function fluentBitConfig(s: FluentBitSettings): FluentBitConfig {
  return {
    service: {
      flush: s.flushSeconds,
      log_level: 'info',
      http_server: true,
      http_listen: '0.0.0.0',
      http_port: 2020,
      health_check: true,
      'storage.path': `${STATE_DIR}/flb-storage/`,
      'storage.sync': 'normal',
      'storage.checksum': false,
      'storage.backlog.mem_limit': '16M',
    },
    pipeline: {
      inputs: [
        {
          name: 'tail',
          tag: 'kube.*',
          path: `/var/log/containers/*_${s.containerName}-*.log`,
          'multiline.parser': 'cri',
          db: `${STATE_DIR}/flb_${s.containerName}.db`,
          'db.locking': true,
          mem_buf_limit: s.memBufLimit,
          skip_long_lines: true,
          refresh_interval: 5,
          'storage.type': 'filesystem',
        },
      ],
      filters: [
        {
          name: 'kubernetes',
          match: 'kube.*',
          kube_tag_prefix: 'kube.var.log.containers.',
          merge_log: false,
          keep_log: true,
          labels: true,
          annotations: false,
        },
      ],
      outputs: [
        {
          name: 'forward',
          match: 'kube.*',
          host: s.agentHost,
          port: s.agentPort,
          require_ack_response: true,
          retry_limit: 'no_limits',
          'storage.total_limit_size': s.storageTotalLimitSize,
        },
      ],
    },
  };
}

/** Fluent Bit's YAML config format (fluent-bit -c fluent-bit.yaml). */
export function fluentBitYaml(s: FluentBitSettings): string {
  return stringify(fluentBitConfig(s), { lineWidth: 0 });
}

const classicValue = (v: string | number | boolean) => (typeof v === 'boolean' ? (v ? 'On' : 'Off') : String(v));

function classicSection(name: string, entries: Section): string {
  const width = Math.max(...Object.keys(entries).map((k) => k.length)) + 1;
  const lines = Object.entries(entries).map(([k, v]) => `    ${k.padEnd(width)}${classicValue(v)}`);
  return `[${name}]\n${lines.join('\n')}\n`;
}

/** The classic format (fluent-bit.conf), for deployments that still use it. Same settings, same pipeline. */
export function fluentBitClassic(s: FluentBitSettings): string {
  const c = fluentBitConfig(s);
  return [
    classicSection('SERVICE', c.service),
    ...c.pipeline.inputs.map((i) => classicSection('INPUT', i)),
    ...c.pipeline.filters.map((f) => classicSection('FILTER', f)),
    ...c.pipeline.outputs.map((o) => classicSection('OUTPUT', o)),
  ].join('\n');
}
