import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { processMemoryLimiter } from '../memory/process.ts';

const MIB = 2 ** 20;

/**
 * The `meshlog_*` series every component reports into. One registry per runtime, so tests and
 * reloads do not share counters by accident. Label values are bounded: component names come from
 * config and reasons from the stable error codes.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: 'meshlog_received_total',
    help: 'Records received, per component.',
    labelNames: ['component'],
    registers: [this.registry],
  });
  readonly accepted = new Counter({
    name: 'meshlog_accepted_total',
    help: 'Records accepted into the pipeline, per component.',
    labelNames: ['component'],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'meshlog_rejected_total',
    help: 'Records or payloads rejected, per component and reason.',
    labelNames: ['component', 'reason'],
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'meshlog_dropped_total',
    help: 'Records dropped on purpose (duplicates, filtered), per component and reason.',
    labelNames: ['component', 'reason'],
    registers: [this.registry],
  });
  readonly exported = new Counter({
    name: 'meshlog_exported_total',
    help: 'Records delivered by an exporter.',
    labelNames: ['component'],
    registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'meshlog_retried_total',
    help: 'Records retried by an exporter.',
    labelNames: ['component', 'reason'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'meshlog_dead_lettered_total',
    help: 'Payloads written to the dead-letter sink.',
    labelNames: ['component', 'reason'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'meshlog_queue_depth',
    help: 'Batches waiting in a bounded channel.',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  readonly queueCapacity = new Gauge({
    name: 'meshlog_queue_capacity',
    help: 'Capacity of a bounded channel, in batches.',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  /** Read at scrape time, not on every task. Set by the worker pool. */
  poolProbe: (() => { utilization: number; queueSize: number }) | undefined;
  readonly poolUtilization = new Gauge({
    name: 'meshlog_worker_pool_utilization',
    help: 'Share of worker-pool capacity in use (0..1).',
    registers: [this.registry],
    collect: () => {
      const p = this.poolProbe?.();
      if (p) this.poolUtilization.set(p.utilization);
    },
  });
  readonly poolQueue = new Gauge({
    name: 'meshlog_worker_pool_queue_size',
    help: 'Tasks waiting for a worker.',
    registers: [this.registry],
    collect: () => {
      const p = this.poolProbe?.();
      if (p) this.poolQueue.set(p.queueSize);
    },
  });
  readonly joinEmitted = new Counter({
    name: 'meshlog_join_requests_total',
    help: 'RequestDocs emitted by the join, per state (complete, partial, late).',
    labelNames: ['component', 'state'],
    registers: [this.registry],
  });
  readonly joinPending = new Gauge({
    name: 'meshlog_join_pending_requests',
    help: 'Requests buffered in the join.',
    labelNames: ['component'],
    registers: [this.registry],
  });
  /**
   * What the memory limiter judges, read at scrape time: used is min(RSS, live V8 memory of every
   * thread + the baseline), the figure receivers refuse on past the soft limit (see LiveUsage).
   */
  readonly memoryUsed: Gauge = new Gauge({
    name: 'meshlog_memory_used_bytes',
    help: 'Memory in use as the memory limiter reads it: min(RSS, live V8 memory of all threads + baseline).',
    registers: [this.registry],
    collect: (): void => this.memoryUsed.set(processMemoryLimiter().usedMiB * MIB),
  });
  readonly memorySoftLimit: Gauge = new Gauge({
    name: 'meshlog_memory_soft_limit_bytes',
    help: 'Past this, receivers refuse data (memoryLimitMiB - memorySpikeLimitMiB).',
    registers: [this.registry],
    collect: (): void => this.memorySoftLimit.set(processMemoryLimiter().softLimitMiB * MIB),
  });
  readonly memoryLimit: Gauge = new Gauge({
    name: 'meshlog_memory_limit_bytes',
    help: 'Past this, the join emits its oldest requests early (memoryLimitMiB).',
    registers: [this.registry],
    collect: (): void => this.memoryLimit.set(processMemoryLimiter().limitMiB * MIB),
  });
  readonly exportLatency = new Histogram({
    name: 'meshlog_export_duration_seconds',
    help: 'Time one export request took.',
    labelNames: ['component'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    // Event-loop lag, heap and GC come from prom-client's default collectors.
    collectDefaultMetrics({ register: this.registry, prefix: 'meshlog_' });
  }

  reject(component: string, reason: string, n = 1): void {
    this.rejected.inc({ component, reason }, n);
  }
}
