import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import {
  CHART_DIR,
  KUBE_VERSION,
  README,
  RELEASE,
  RENDERED_DIR,
  readJson,
  readmeTable,
  renderChart,
  toolPaths,
  valuesFiles,
  valuesTable,
} from '../../deploy/helm/chart.ts';
import { fluentBitConfig } from '../../deploy/fluent-bit/generate.ts';
import { fluentBitSettings } from '../../deploy/fluent-bit/settings.ts';
import { extensionProviders, telemetryResources } from '../../deploy/istio/generate.ts';
import { istioSettings } from '../../deploy/istio/settings.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MESHLOG = join(ROOT, 'pipeline/cli/bin.mjs');
// The CRD schemas shipped beside the repository (../shared/schemas/crds, see its README).
const CRDS = join(ROOT, '../shared/schemas/crds');

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, any>;
  data?: Record<string, string>;
};

const VALUES = valuesFiles();
let helm: string;
let kubeconform: string;
let k8sSchemas: string;
// One kubeconform run over every committed rendering: it compiles each schema once for all of them.
let validation: Awaited<ReturnType<typeof kubeconformRun>>;
const rendered = new Map<string, string>();
const objects = (name: string): Obj[] =>
  parseAllDocuments(rendered.get(name)!)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
const valuesOf = (name: string) => {
  const defaults = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
  const mine = parse(readFileSync(VALUES.find((v) => v.name === name)!.file, 'utf8'));
  return deepMerge(defaults, mine);
};

function deepMerge(a: any, b: any): any {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return b ?? a;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a?.[k], v);
  return out;
}

async function kubeconformRun(...files: string[]): Promise<{ code: number; resources: any[]; text: string }> {
  const args = [
    '-strict',
    '-summary',
    '-verbose', // list the valid resources too, so the test sees that every one was checked
    '-output',
    'json',
    '-schema-location',
    `${k8sSchemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    '-schema-location',
    `${CRDS}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
    ...files,
  ];
  try {
    const { stdout } = await run(kubeconform, args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, resources: JSON.parse(stdout).resources ?? [], text: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    const parsed = (() => {
      try {
        return JSON.parse(e.stdout).resources ?? [];
      } catch {
        return [];
      }
    })();
    return { code: e.code, resources: parsed, text: e.stdout + e.stderr };
  }
}

/** Service name and port a URL or host:port names, when it is a Service in the release namespace. */
function serviceRef(hostPort: string): { name: string; namespace: string; port: number } {
  const m = /^(?:https?:\/\/)?([^.:/]+)\.([^.:/]+)\.svc(?:\.cluster\.local)?:(\d+)/.exec(hostPort);
  if (!m) throw new Error(`${hostPort} does not name a Service by its cluster DNS name and port`);
  return { name: m[1], namespace: m[2], port: Number(m[3]) };
}

function expectServicePort(objs: Obj[], ref: { name: string; namespace: string; port: number }, who: string) {
  const svc = objs.find(
    (o) => o.kind === 'Service' && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace,
  );
  expect(svc, `${who} points at Service ${ref.namespace}/${ref.name}, which this rendering lacks`).toBeDefined();
  const ports = (svc!.spec!.ports as { port: number }[]).map((p) => p.port);
  expect(ports, `${who}: Service ${ref.name} has no port ${ref.port}`).toContain(ref.port);
}

beforeAll(async () => {
  [helm] = await toolPaths('helm');
  [kubeconform, k8sSchemas] = await toolPaths('kubeconform');
  for (const v of VALUES) rendered.set(v.name, await renderChart(helm, v.file));
  validation = await kubeconformRun(...VALUES.map((v) => join(RENDERED_DIR, `${v.name}.yaml`)));
}, 45 * 60_000);

describe('the meshlog Helm chart', () => {
  it('has the four reference profiles', () => {
    expect(VALUES.map((v) => v.name)).toEqual(
      expect.arrayContaining(['minimal-all', 'scale-out-backends', 'existing-backends', 'ambient']),
    );
  });

  it.each(VALUES.map((v) => [v.name, v.file]))('helm lint --strict passes with %s', async (_name, file) => {
    const args = ['lint', '--strict', CHART_DIR, '--namespace', RELEASE.namespace, '--kube-version', KUBE_VERSION];
    const { stdout } = await run(helm, [...args, '-f', file]);
    expect(stdout).toContain('0 chart(s) failed');
  });

  it.each(VALUES.map((v) => [v.name]))('the committed deploy/rendered/%s.yaml is what the chart renders', (name) => {
    const committed = readFileSync(join(RENDERED_DIR, `${name}.yaml`), 'utf8');
    expect(committed, 'stale rendering: run `npm run render`').toBe(rendered.get(name));
  });

  it.each(VALUES.map((v) => [v.name]))(
    'every object of %s is valid against its Kubernetes 1.34 or CRD schema (kubeconform -strict, no missing schema)',
    (name) => {
      const file = join(RENDERED_DIR, `${name}.yaml`);
      const mine = validation.resources.filter((x) => x.filename === file);
      const bad = mine.filter((x) => x.status !== 'statusValid');
      expect(bad, validation.text).toEqual([]);
      // Every document was validated (none skipped as empty or missing a schema).
      expect(mine.length).toBe(objects(name).length);
    },
  );

  it('kubeconform names the object and the field of an invalid object, and refuses a kind it has no schema for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlog-chart-'));
    const objs = objects('minimal-all');
    const deployment = objs.find((o) => o.kind === 'Deployment')!;
    (deployment.spec as any).replica = 1; // a typo strict mode must catch
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, stringify(deployment));
    const r1 = await kubeconformRun(broken);
    expect(r1.code).not.toBe(0);
    expect(r1.resources).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: deployment.metadata.name,
        status: 'statusInvalid',
        msg: expect.stringMatching(/additional properties 'replica' not allowed/),
      }),
    ]);

    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }));
    const r2 = await kubeconformRun(unknown);
    expect(r2.code).not.toBe(0);
    expect(r2.resources).toEqual([
      expect.objectContaining({
        kind: 'Widget',
        status: 'statusError',
        msg: expect.stringMatching(/could not find schema for Widget/),
      }),
    ]);
  });

  it('a bad value fails helm template with the key named (values.schema.json)', async () => {
    const file = VALUES.find((v) => v.name === 'minimal-all')!.file;
    await expect(renderChart(helm, file, ['mode=cluster'])).rejects.toThrow(/mode/);
    await expect(renderChart(helm, file, ['agent.resources.requests.cpu=lots'])).rejects.toThrow(
      /agent\.resources\.requests\.cpu|cpu/,
    );
    await expect(renderChart(helm, file, ['mode=scale-out'])).rejects.toThrow(/kafka/);
    await expect(
      renderChart(helm, file, ['labels.headers[0].header=x-user', 'labels.headers[0].redact=hmac']),
    ).rejects.toThrow(/labels\.hmacKey\.secretName/);
    // A misspelt key is refused, not ignored.
    await expect(renderChart(helm, file, ['agent.replicas=3'])).rejects.toThrow(/replicas/);
    const existing = VALUES.find((v) => v.name === 'existing-backends')!.file;
    await expect(renderChart(helm, existing, ['processor.keda.enabled=true'])).rejects.toThrow(/processor\.keda/);
    await expect(renderChart(helm, file, ['kibana.eck.enabled=true'])).rejects.toThrow(/elasticsearch\.eck\.enabled/);
  });

  it.each(VALUES.map((v) => [v.name]))(
    'every meshlog config of %s passes meshlog validate-config, with the env its pod sets',
    async (name) => {
      const objs = objects(name);
      const dir = mkdtempSync(join(tmpdir(), 'meshlog-cfg-'));
      const configMaps = objs.filter((o) => o.kind === 'ConfigMap' && o.data?.['meshlog.yaml']);
      expect(configMaps.length).toBeGreaterThan(0);
      const problems: string[] = [];
      // One CLI process per config, run side by side.
      const checks = configMaps.map(async (cm) => {
        const workload = objs.find((o) =>
          (o.spec?.template?.spec?.volumes ?? []).some((v: any) => v.configMap?.name === cm.metadata.name),
        );
        expect(workload, `no workload mounts ${cm.metadata.name}`).toBeDefined();
        // Placeholders for the env the pod gets (downward API, secretKeyRef): a ${env:X} the pod does not set fails.
        const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
        for (const e of workload!.spec!.template.spec.containers[0].env ?? []) env[e.name] = `placeholder-${e.name}`;
        const file = join(dir, `${cm.metadata.name}.yaml`);
        writeFileSync(file, cm.data!['meshlog.yaml']);
        await run(process.execPath, [MESHLOG, 'validate-config', '--config', file], { env }).catch(
          (e: { stdout: string; stderr: string }) => problems.push(`${cm.metadata.name}: ${e.stdout}${e.stderr}`),
        );
      });
      await Promise.all(checks);
      expect(problems).toEqual([]);
    },
  );
});

describe('references inside each rendering hold', () => {
  it.each(VALUES.map((v) => [v.name]))(
    '%s: Argo Rollouts, Flagger, Fluent Bit and the Istio providers point at Services and ports that exist',
    (name) => {
      const objs = objects(name);
      const values = valuesOf(name);
      let checked = 0;
      for (const t of objs.filter((o) => o.kind === 'AnalysisTemplate')) {
        const url = t.spec!.args.find((a: any) => a.name === 'meshlog-url').value as string;
        expectServicePort(objs, serviceRef(url), `AnalysisTemplate ${t.metadata.namespace}/${t.metadata.name}`);
        expect(t.spec!.metrics[0].provider.web.url).toContain('{{args.meshlog-url}}/v1/canary?');
        expect(t.spec!.metrics[0].provider.web.jsonPath).toBe('{$.verdict}');
        checked++;
      }
      for (const c of objs.filter((o) => o.kind === 'Canary')) {
        const hook = c.spec!.analysis.webhooks.find((w: any) => w.name === 'meshlog-gate');
        expect(hook.url).toMatch(/\/v1\/flagger\/gate$/);
        expectServicePort(objs, serviceRef(hook.url), `Flagger Canary ${c.metadata.name} webhook`);
        const mt = c.spec!.analysis.metrics[0].templateRef;
        expect(objs.some((o) => o.kind === 'MetricTemplate' && o.metadata.name === mt.name)).toBe(true);
        checked++;
      }
      const fb = objs.find((o) => o.kind === 'ConfigMap' && o.data?.['fluent-bit.yaml']);
      if (fb) {
        const out = parse(fb.data!['fluent-bit.yaml']).pipeline.outputs[0];
        expectServicePort(objs, serviceRef(`${out.host}:${out.port}`), 'Fluent Bit forward output');
        checked++;
      }
      // The providers `meshlog deploy istio` declares for this release.
      const agentHost = `meshlog-agent.${RELEASE.namespace}.svc.cluster.local`;
      const istio = istioSettings.parse({ agentHost, alsPort: values.ports.envoyAls, otlpPort: values.ports.otlpGrpc });
      for (const p of extensionProviders(istio)) {
        const body = Object.values(p).find((x) => typeof x === 'object') as { service: string; port: number };
        expectServicePort(objs, serviceRef(`${body.service}:${body.port}`), `Istio provider ${p.name}`);
        checked++;
      }
      expect(checked).toBeGreaterThan(2);
    },
  );

  it.each(VALUES.map((v) => [v.name]))(
    '%s: every Service, PDB, NetworkPolicy and AuthorizationPolicy selects pods, and every scaler and mounted ConfigMap exists',
    (name) => {
      const objs = objects(name);
      const workloads = objs.filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind));
      const selects = (sel: Record<string, string>) =>
        workloads.filter((w) => Object.entries(sel).every(([k, v]) => w.spec!.template.metadata.labels?.[k] === v));
      const selectorOf = (o: Obj): Record<string, string> | undefined =>
        o.kind === 'Service' ? o.spec!.selector : (o.spec!.selector?.matchLabels ?? o.spec!.podSelector?.matchLabels);
      for (const o of objs.filter((x) =>
        ['Service', 'PodDisruptionBudget', 'NetworkPolicy', 'AuthorizationPolicy'].includes(x.kind),
      )) {
        const sel = selectorOf(o);
        if (o.kind === 'AuthorizationPolicy' && !sel) continue;
        expect(selects(sel!), `${o.kind} ${o.metadata.name} selects no pod`).not.toEqual([]);
      }
      for (const w of workloads) {
        expect(
          Object.entries(w.spec!.selector.matchLabels).every(([k, v]) => w.spec!.template.metadata.labels[k] === v),
          `${w.kind} ${w.metadata.name}: selector does not match its own pods`,
        ).toBe(true);
        for (const v of w.spec!.template.spec.volumes ?? []) {
          if (!v.configMap) continue;
          expect(
            objs.some((o) => o.kind === 'ConfigMap' && o.metadata.name === v.configMap.name),
            `${w.metadata.name} mounts missing ConfigMap ${v.configMap.name}`,
          ).toBe(true);
        }
        const sa = w.spec!.template.spec.serviceAccountName;
        if (sa) expect(objs.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)).toBe(true);
      }
      for (const o of objs.filter((x) => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(x.kind))) {
        const target = o.spec!.scaleTargetRef.name;
        expect(workloads.some((w) => w.kind === 'Deployment' && w.metadata.name === target)).toBe(true);
      }
      for (const m of objs.filter((o) => o.kind === 'ServiceMonitor')) {
        const scraped = objs.filter(
          (o) =>
            o.kind === 'Service' &&
            Object.entries(m.spec!.selector.matchLabels).every(([k, v]) => (o.metadata as any).labels?.[k] === v),
        );
        expect(scraped.length).toBeGreaterThan(0);
        for (const svc of scraped)
          expect(svc.spec!.ports.map((p: { name: string }) => p.name)).toContain(m.spec!.endpoints[0].port);
      }
    },
  );

  it.each(VALUES.filter((v) => parse(readFileSync(v.file, 'utf8')).fluentBit?.enabled).map((v) => [v.name]))(
    '%s: the chart Fluent Bit config equals `meshlog deploy fluent-bit --config` for the same settings',
    async (name) => {
      const values = valuesOf(name);
      const settings = {
        ...values.fluentBit.config,
        agentHost: values.fluentBit.config.agentHost || `meshlog-agent.${RELEASE.namespace}.svc.cluster.local`,
        agentPort: values.ports.fluentForward,
      };
      const file = join(mkdtempSync(join(tmpdir(), 'meshlog-fb-')), 'settings.yaml');
      writeFileSync(file, stringify(settings));
      const { stdout } = await run(process.execPath, [MESHLOG, 'deploy', 'fluent-bit', '--config', file]);
      const chart = objects(name).find((o) => o.kind === 'ConfigMap' && o.data?.['fluent-bit.yaml'])!;
      expect(parse(chart.data!['fluent-bit.yaml'])).toEqual(parse(stdout));
      expect(parse(stdout)).toEqual(fluentBitConfig(fluentBitSettings.parse(settings)));
    },
  );

  it.each(VALUES.filter((v) => parse(readFileSync(v.file, 'utf8')).istio?.telemetry?.enabled).map((v) => [v.name]))(
    '%s: the chart Telemetry resources equal `meshlog deploy istio --only telemetry` for the same settings',
    async (name) => {
      const { enabled: _on, ...t } = valuesOf(name).istio.telemetry;
      const args = [MESHLOG, 'deploy', 'istio', '--only', 'telemetry', '--sampling', String(t.samplingPercentage)];
      args.push('--root-namespace', t.rootNamespace, '--access-log-provider', t.accessLogProvider);
      if (!t.meshWide) args.push('--no-mesh-wide');
      if (!t.tracing) args.push('--no-tracing');
      for (const ns of t.namespaces) args.push('--namespace', ns);
      for (const w of t.waypoints) args.push('--waypoint', `${w.namespace}/${w.name}`);
      const { stdout } = await run(process.execPath, args);
      const fromCli = parseAllDocuments(stdout).map((d) => d.toJS());
      const fromChart = objects(name).filter((o) => o.kind === 'Telemetry');
      expect(fromChart).toEqual(fromCli);
      expect(fromCli).toEqual(telemetryResources(istioSettings.parse(t)));
      expect(fromCli.length).toBeGreaterThan(0);
    },
  );
});

describe('meshlog deploy', () => {
  it('refuses a settings file with an unknown or bad key, naming it, and prints nothing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'meshlog-fb-')), 'settings.yaml');
    writeFileSync(file, stringify({ agentPort: 70000, agentHots: 'x' }));
    const err = await run(process.execPath, [MESHLOG, 'deploy', 'fluent-bit', '--config', file]).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(err).toMatchObject({ code: 1, stdout: '' });
    expect(err!.stderr).toMatch(/agentPort/);
    expect(err!.stderr).toMatch(/agentHots/);
  });
});

describe('deploy/README.md', () => {
  it('its values table is the one generated from values.schema.json and values.yaml', () => {
    const expected = valuesTable(
      readJson(join(CHART_DIR, 'values.schema.json')) as never,
      parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')),
    );
    expect(readmeTable(readFileSync(README, 'utf8')), 'stale values table: run `npm run render`').toBe(expected);
  });
});
