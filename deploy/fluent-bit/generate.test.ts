import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fluentBitClassic, fluentBitYaml } from './generate.ts';
import { fluentBitSettings } from './settings.ts';

const defaults = fluentBitSettings.parse({});

describe('meshlog deploy fluent-bit', () => {
  it('tails the istio-proxy CRI logs, adds Kubernetes metadata, buffers on disk and forwards with acks', () => {
    const c = parse(fluentBitYaml(defaults));
    expect(c.pipeline.inputs[0]).toMatchObject({
      name: 'tail',
      path: '/var/log/containers/*_istio-proxy-*.log',
      'multiline.parser': 'cri',
      'storage.type': 'filesystem',
    });
    expect(c.pipeline.filters[0]).toMatchObject({ name: 'kubernetes', match: 'kube.*' });
    expect(c.pipeline.outputs[0]).toEqual(
      expect.objectContaining({
        name: 'forward',
        host: 'meshlog-agent.meshlog.svc.cluster.local',
        port: 24224,
        require_ack_response: true,
        'storage.total_limit_size': '1G',
      }),
    );
    expect(c.service['storage.path']).toBe('/var/fluent-bit/state/flb-storage/');
  });

  it('prints the same pipeline in the classic format', () => {
    const s = fluentBitSettings.parse({ agentHost: 'agent.obs.svc.cluster.local', agentPort: 24225 });
    const classic = fluentBitClassic(s);
    expect(classic.match(/^\[(\w+)\]$/gm)).toEqual(['[SERVICE]', '[INPUT]', '[FILTER]', '[OUTPUT]']);
    expect(classic).toMatch(/^ {4}require_ack_response +On$/m);
    expect(classic).toMatch(/^ {4}host +agent\.obs\.svc\.cluster\.local$/m);
    expect(classic).toMatch(/^ {4}port +24225$/m);
    expect(classic).toMatch(/^ {4}multiline\.parser +cri$/m);
  });

  it('refuses settings it does not know, naming the key', () => {
    const r = fluentBitSettings.safeParse({ agentPort: 0, hostname: 'x' });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.') || i.message);
    expect(paths.join(' ')).toMatch(/agentPort/);
    expect(JSON.stringify(r.error!.issues)).toMatch(/hostname/);
  });
});
