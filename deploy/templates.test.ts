import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

// The Argo Rollouts and Flagger objects come from the Helm chart; deploy/rendered holds its committed
// rendering (test/deploy checks it against the chart and the schemas). These are the contracts with
// the signals API that a chart change must keep.
const rendering = (name: string) =>
  parseAllDocuments(readFileSync(new URL(`./rendered/${name}.yaml`, import.meta.url), 'utf8')).map((d) => d.toJS());

describe('the rendered Argo Rollouts and Flagger objects', () => {
  const objs = rendering('scale-out-backends');

  it('the AnalysisTemplate reads $.verdict from /v1/canary, passes only on "pass", fails only on "fail"', () => {
    const t = objs.find((o) => o.kind === 'AnalysisTemplate');
    expect(t).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', metadata: { name: 'meshlog-canary' } });
    const m = t.spec.metrics[0];
    expect(m.provider.web.jsonPath).toBe('{$.verdict}');
    expect(m.provider.web.url).toContain(
      '/v1/canary?namespace={{args.namespace}}&service={{args.service}}&canary={{args.canary-subset}}&baseline={{args.stable-subset}}',
    );
    expect(m.successCondition).toBe('result == "pass"');
    expect(m.failureCondition).toBe('result == "fail"');
    // inconclusive is neither: it counts against inconclusiveLimit and pauses the Rollout.
    expect(m.inconclusiveLimit).toBeGreaterThan(0);
    const url = t.spec.args.find((a: { name: string }) => a.name === 'meshlog-url').value;
    expect(url).toBe('http://meshlog-signals.meshlog.svc.cluster.local:8686');
  });

  it('the Flagger Canary gates every step on /v1/flagger/gate, and the MetricTemplate queries meshlog series', () => {
    const c = objs.find((o) => o.kind === 'Canary');
    const hook = c.spec.analysis.webhooks[0];
    expect(hook).toMatchObject({
      type: 'rollout',
      url: 'http://meshlog-signals.meshlog.svc.cluster.local:8686/v1/flagger/gate',
      metadata: { canary: 'podinfo-canary', baseline: 'podinfo-primary' },
    });
    const mt = objs.find((o) => o.kind === 'MetricTemplate');
    expect(mt.spec.query).toContain('meshlog_route_errors_total');
    expect(mt.spec.query).toContain('meshlog_route_requests_total');
    expect(c.spec.analysis.metrics[0].templateRef.name).toBe(mt.metadata.name);
  });
});
