import { pino } from 'pino';
import type { ComponentContext } from '../component.ts';
import { MemoryDeadLetterSink } from '../deadletter.ts';
import { Origins } from '../origin.ts';
import { retainer } from '../runtime/retain.ts';
import { Metrics } from '../telemetry/metrics.ts';
import type { WorkerPool } from '../workers/pool.ts';

/** A component context for unit tests: silent logs, fresh metrics, in-memory dead letters, its own origins. */
export function testContext(name: string, pool?: WorkerPool): ComponentContext & { deadLetters: MemoryDeadLetterSink } {
  return {
    name,
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    deadLetters: new MemoryDeadLetterSink(),
    pool: pool ?? (undefined as unknown as WorkerPool),
    retain: retainer(),
    origins: new Origins(),
  };
}
