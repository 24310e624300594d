import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Batch } from './batch.ts';
import type { Metrics } from './telemetry/metrics.ts';
import type { DeadLetterSink } from './deadletter.ts';
import type { Origins } from './origin.ts';
import type { WorkerPool } from './workers/pool.ts';

/**
 * The contract every component implements.
 * - `start()` binds ports and opens connections; the runtime starts downstream components first.
 * - `shutdown()` is idempotent and flushes: after it resolves, everything the component accepted
 *   has been handed downstream or settled. The runtime stops upstream components first.
 */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /**
   * Routes this component serves on the admin server. The runtime mounts them once per component
   * id, before the admin server listens; a later graph (a reload) does not mount them again, so
   * handlers must read state the component keeps through `ctx.retain`.
   */
  mountAdmin?(app: FastifyInstance): void;
}

/**
 * Something that takes batches. `consume` resolves once the batch is accepted (queued or done);
 * it waits while the consumer is full, which is how backpressure travels upstream. After it
 * resolves the caller must not touch the batch. Failures are reported through `batch.ack`.
 */
export interface Consumer<T = unknown> {
  consume(batch: Batch<T>): Promise<void>;
}

/**
 * What a receiver sends into: a consumer that can also refuse. `offer` resolves false when the
 * pipeline stayed full for `timeoutMs`; the receiver then answers its sender 429/503 or
 * RESOURCE_EXHAUSTED, instead of buffering without bound.
 */
export interface Intake<T = unknown> extends Consumer<T> {
  offer(batch: Batch<T>, timeoutMs: number): Promise<boolean>;
}

/** A receiver has no `consume`: it is fed from outside and sends into the Intake it was built with. */
export type Receiver = Component;
export interface Processor<I = unknown, O = unknown> extends Component, Consumer<I> {
  /** True when it changes the records it is given in place; behind a fan-out it then gets its own copy. */
  readonly mutates?: boolean;
  /** Set by the runtime before `start`. */
  connect(next: Consumer<O>): void;
}
export interface Exporter<T = unknown> extends Component, Consumer<T> {}

/** What the runtime gives every component it builds. */
export interface ComponentContext {
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deadLetters: DeadLetterSink;
  readonly pool: WorkerPool;
  /** This graph's notice of lost origins: sources that can lose records announce, stateful processors listen. */
  readonly origins: Origins;
  /**
   * State that outlives a config reload: the first graph creates it under `key`, later graphs of
   * the same process get the same object (the signals keep their windows this way).
   */
  retain<T>(key: string, create: () => T): T;
}
