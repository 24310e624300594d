import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * A full garbage collection, as the Collector's memory_limiter runs one when usage crosses the
 * soft limit: V8 collects lazily, so under load RSS holds garbage that refusing data alone does
 * not free, and receivers would keep refusing. `--expose-gc` is switched on at run time (the same
 * V8 flag `node --expose-gc` sets) and the function taken from a fresh context.
 */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
