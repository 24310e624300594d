import { MemoryLimiter, type MemoryLimiterOptions } from './limiter.ts';

/**
 * The default limit when nothing configures one: 512 MiB, sized for a DaemonSet pod with a 640 MiB
 * memory limit (the soft limit, 80%, leaves room for a burst between two readings).
 */
export const DEFAULT_MEMORY_LIMIT_MIB = 512;

let current: MemoryLimiter | undefined;

/** The process's limiter, shared by every receiver (memory is per process, not per receiver). */
export function processMemoryLimiter(): MemoryLimiter {
  current ??= new MemoryLimiter({ limitMiB: DEFAULT_MEMORY_LIMIT_MIB }).start();
  return current;
}

/** Replaces the process's limiter (at start from `service.memoryLimitMiB`, and in tests). */
export function configureProcessMemoryLimit(opts: MemoryLimiterOptions): MemoryLimiter {
  current?.stop();
  current = new MemoryLimiter(opts).start();
  return current;
}
