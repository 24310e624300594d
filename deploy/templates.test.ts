import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const load = (p: string) => parse(readFileSync(new URL(p, import.meta.url), 'utf8'));

describe('shipped Argo Rollouts and Flagger templates', () => {
  it('the AnalysisTemplate reads $.verdict from /v1/canary and passes only on "pass"', () => {
    const t = load('./argo-rollouts/analysis-template.yaml');
    expect(t).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate' });
    const m = t.spec.metrics[0];
    expect(m.provider.web.jsonPath).toBe('{$.verdict}');
    expect(m.provider.web.url).toContain(
      '/v1/canary?namespace={{args.namespace}}&service={{args.service}}&canary={{args.canary-subset}}&baseline={{args.stable-subset}}',
    );
    expect(m.successCondition).toBe('result == "pass"');
    expect(m.failureCondition).toBe('result == "fail"');
  });

  it('the Flagger Canary gates every step on /v1/flagger/gate, and the MetricTemplate queries meshlog series', () => {
    const c = load('./flagger/canary-webhook.yaml');
    const hook = c.spec.analysis.webhooks[0];
    expect(hook).toMatchObject({
      type: 'rollout',
      url: expect.stringMatching(/\/v1\/flagger\/gate$/),
      metadata: { canary: 'podinfo-canary', baseline: 'podinfo-primary' },
    });
    const mt = load('./flagger/metric-template.yaml');
    expect(mt.kind).toBe('MetricTemplate');
    expect(mt.spec.query).toContain('meshlog_route_errors_total');
    expect(mt.spec.query).toContain('meshlog_route_requests_total');
    expect(c.spec.analysis.metrics[0].templateRef.name).toBe(mt.metadata.name);
  });
});
