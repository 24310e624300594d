/** Exponential backoff with half jitter, capped: the wait before retry number `attempt` (0-based). */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
