import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR, renderChart, toolPaths, valuesFiles } from '../../deploy/helm/chart.ts';
import { meshlogContainers, renderedObjects, type MeshlogContainer } from '../../deploy/helm/rendering.ts';
import { serviceSchema } from '../../pipeline/config/service.ts';
import { DEFAULT_MEMORY_LIMIT_MIB } from '../../pipeline/memory/process.ts';

// The chart sizes each pod's memory limiter (service.memoryLimitMiB) from that pod's container memory
// limit: 80 %, floored to a MiB. These checks read the real helm rendering.

const MIB = 2 ** 20;
const UNITS: Record<string, number> = {
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};
const IMAGE = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')).image.repository as string;
/** meshlog's 5,000-route test (test/browser/ui.test.ts) runs the process holding the windows with this limiter. */
const FIVE_THOUSAND_ROUTES_MIB = 1536;

/** Bytes of a Kubernetes memory quantity; Kubernetes rounds a fraction of a byte up. */
function memoryBytes(q: string | number): number {
  if (typeof q === 'number') return Math.ceil(q);
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`${q} is not a memory quantity`);
  return Math.ceil(Number(m[1]) * (m[2] ? UNITS[m[2]] : 1));
}

/** 80 % of a container memory limit, floored to a MiB (integer arithmetic until the one division). */
const eightyPercentMiB = (limit: string | number) => Math.floor((memoryBytes(limit) * 80) / (100 * MIB));

const modeOf = (c: MeshlogContainer) => c.container.args[c.container.args.indexOf('--mode') + 1] as string;

let helm: string;
const VALUES = valuesFiles();
const file = (name: string) => VALUES.find((v) => v.name === name)!.file;
/** The `meshlog run` containers of one rendering, by mode. */
async function runContainers(profile: string, sets: string[] = []): Promise<Map<string, MeshlogContainer>> {
  const objs = renderedObjects(await renderChart(helm, file(profile), sets));
  const runs = meshlogContainers(objs, IMAGE).filter((c) => c.config);
  return new Map(runs.map((c) => [modeOf(c), c]));
}
const limiterOf = (c: MeshlogContainer) => c.config!.service.memoryLimitMiB as number | undefined;

beforeAll(async () => {
  [helm] = await toolPaths('helm');
}, 40 * 60_000);

describe('each meshlog pod sizes its memory limiter from its own container memory limit', () => {
  it.each(VALUES.map((v) => [v.name]))('%s: memoryLimitMiB is 80 % of the container limit', async (profile) => {
    const runs = await runContainers(profile);
    const scaleOut = parse(readFileSync(file(profile), 'utf8')).mode === 'scale-out';
    expect([...runs.keys()].sort()).toEqual(scaleOut ? ['agent', 'processor', 'signals'] : ['all']);
    for (const [mode, c] of runs) {
      const limit = c.container.resources?.limits?.memory;
      expect(limit, `the ${mode} container has no memory limit`).toBeDefined();
      expect(limiterOf(c), `${mode}: memoryLimitMiB for a ${limit} limit`).toBe(eightyPercentMiB(limit));
      expect(c.configMap!.data!['meshlog.yaml']).toContain(`80 % of the container's ${limit} memory limit`);
    }
  });

  it.each(VALUES.map((v) => [v.name]))(
    '%s: the pod holding the route windows gets at least what 5,000 routes were tested with',
    async (profile) => {
      const runs = await runContainers(profile);
      const holder = runs.get('signals') ?? runs.get('all')!;
      expect(limiterOf(holder)).toBeGreaterThanOrEqual(FIVE_THOUSAND_ROUTES_MIB);
    },
  );

  it('follows a changed limit in every unit: binary, decimal and plain bytes', async () => {
    const runs = await runContainers('scale-out-backends', [
      'agent.resources.limits.memory=1.5Gi',
      'processor.resources.limits.memory=3G',
      'signals.resources.limits.memory=4Gi',
    ]);
    // 1.5 GiB × 0.8 = 1228.8 MiB; 3e9 B × 0.8 = 2288.8 MiB; 4 GiB × 0.8 = 3276.8 MiB
    expect(limiterOf(runs.get('agent')!)).toBe(1228);
    expect(limiterOf(runs.get('processor')!)).toBe(2288);
    expect(limiterOf(runs.get('signals')!)).toBe(3276);
    const all = await runContainers('minimal-all', ['allInOne.resources.limits.memory=1000000000']);
    expect(all.get('all')!.container.resources.limits.memory).toBe(1000000000);
    expect(limiterOf(all.get('all')!)).toBe(762);
  });

  it('an override wins; one above the container limit is refused, naming the key', async () => {
    const runs = await runContainers('scale-out-backends', ['agent.memoryLimitMiB=300']);
    expect(limiterOf(runs.get('agent')!)).toBe(300);
    expect(limiterOf(runs.get('processor')!)).toBe(
      eightyPercentMiB(runs.get('processor')!.container.resources.limits.memory),
    );
    await expect(runContainers('scale-out-backends', ['signals.memoryLimitMiB=4000'])).rejects.toThrow(
      /signals\.memoryLimitMiB: 4000 is above the container's 2Gi memory limit/,
    );
  });

  it('a pod without a memory limit runs with meshlog default limiter, and its config says so', async () => {
    const runs = await runContainers('minimal-all', ['allInOne.resources.limits=null']);
    const all = runs.get('all')!;
    expect(all.container.resources.limits).toBeUndefined();
    expect(limiterOf(all)).toBeUndefined();
    expect(serviceSchema.parse(all.config!.service).memoryLimitMiB).toBe(DEFAULT_MEMORY_LIMIT_MIB);
    expect(all.configMap!.data!['meshlog.yaml']).toContain('no memory limit on this container');
  });

  it('refuses a memory quantity in millibytes (512m is half a byte, not 512 MiB), naming the key', async () => {
    await expect(runContainers('minimal-all', ['allInOne.resources.limits.memory=512m'])).rejects.toThrow(
      /allInOne\/resources\/limits\/memory/,
    );
  });
});
