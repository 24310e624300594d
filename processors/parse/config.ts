import { z } from 'zod';
import { DEFAULT_CLUSTER_DOMAIN } from './mesh/cluster.ts';
import { DEFAULT_SUBSET_RULES } from './mesh/subset.ts';

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/** `parse`: decodes raw chunks into AccessRecords in the worker pool. */
export const parseConfig = z.strictObject({
  /**
   * Default format for lines whose receiver gave no hint: auto (detect per line), istio-text,
   * istio-json, or `envoy:<format string>`. Default: auto.
   */
  format: z.string().default('auto'),
  /** Lines longer than this are rejected to the dead-letter sink. Default: 65536. */
  maxLineBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** Distinct route keys kept per destination service; the rest become `__other__`. Default: 200. */
  maxRoutesPerService: z.number().int().positive().default(200),
  /** Most chunks sent to a worker in one task. Default: 64. */
  chunksPerTask: z.number().int().positive().default(64),
  /**
   * The Kubernetes cluster domain: only hosts `<svc>.<ns>.svc.<clusterDomain>` are split into
   * service and namespace; any other host is an external destination kept whole. Default: cluster.local.
   */
  clusterDomain: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a DNS name such as cluster.local')
    .default(DEFAULT_CLUSTER_DOMAIN),
  /**
   * The canary subset of ambient traffic, whose waypoint clusters name none: it comes from the
   * destination workload (ztunnel's `dst.workload`, or the pod behind a waypoint's upstream address).
   */
  subsets: z
    .strictObject({
      /** First capture group = the subset, tried on the workload name. Default: `-(v\d+)$` (`reviews-v2` → v2). */
      workloadPattern: regex.default(DEFAULT_SUBSET_RULES.workloadPattern),
      /** Workload name → subset, e.g. `{reviews-canary: canary}`; wins over the pattern. Default: none. */
      workloads: z.record(z.string(), z.string()).default({}),
    })
    .default({ workloadPattern: DEFAULT_SUBSET_RULES.workloadPattern, workloads: {} }),
  /**
   * Records whose event time is further than this from the wall clock are counted and
   * dead-lettered as MESHLOG_CLOCK_SKEW, never passed on: a stuck or wrong clock would otherwise
   * poison windows and joins. Access lines by their start either way and by their end (start +
   * duration) ahead; spans by their start and end ahead (an old trace replayed passes). 0 turns
   * the guard off (to replay old logs through `meshlog run`). The offline commands (parse, join,
   * analyze, …) never apply it. Default: 600000 (10 min).
   */
  maxClockSkewMs: z.number().int().nonnegative().default(600_000),
  /** Pod addresses remembered (from ztunnel lines) to name the workload behind a waypoint's upstream. Default: 10000. */
  maxEndpoints: z.number().int().positive().default(10_000),
});

export type ParseConfig = z.infer<typeof parseConfig>;
