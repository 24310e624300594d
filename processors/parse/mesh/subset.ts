import { workloadOf } from './cluster.ts';

/** How a destination workload name becomes a canary subset (ambient: waypoint clusters carry no subset). */
export interface SubsetRules {
  /** A regex whose first capture group is the subset, tried on the workload name. Default: `-(v\d+)$`. */
  workloadPattern: string;
  /** Workload name → subset; wins over the pattern (e.g. `reviews-canary: canary`). Default: none. */
  workloads: Record<string, string>;
}

export const DEFAULT_SUBSET_RULES: SubsetRules = { workloadPattern: '-(v\\d+)$', workloads: {} };

/**
 * Compiles the rules once. The function takes a pod or workload name (`reviews-v2-5b64f47978-q5s9x`
 * or `reviews-v2`) and returns the subset (`v2`), or null when neither the map nor the pattern says.
 */
export function subsetResolver(rules: SubsetRules = DEFAULT_SUBSET_RULES): (workload: string | null) => string | null {
  const pattern = new RegExp(rules.workloadPattern);
  const map = new Map(Object.entries(rules.workloads));
  return (workload) => {
    if (!workload) return null;
    const name = workloadOf(workload);
    const mapped = map.get(name) ?? map.get(workload);
    if (mapped !== undefined) return mapped;
    const m = pattern.exec(name);
    return m ? (m[1] ?? m[0]) : null;
  };
}
