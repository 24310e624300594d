import { endpoint } from '../net.ts';
import { z } from 'zod';
import { DEFAULT_MEMORY_LIMIT_MIB } from '../memory/process.ts';
import { tlsConfig } from '../tls.ts';

export const MODES = ['all', 'agent', 'processor', 'signals'] as const;
export type Mode = (typeof MODES)[number];

const pipeline = z.strictObject({
  /** Receiver ids feeding this pipeline, or `pipeline:<name>` to read what another pipeline's processors put out. */
  receivers: z.array(z.string()).min(1),
  /** Processor ids, applied in order. */
  processors: z.array(z.string()).default([]),
  /** Exporter ids; every batch goes to all of them. May be empty only for a pipeline another pipeline reads. */
  exporters: z.array(z.string()).default([]),
  /** The `meshlog run --mode` values this pipeline runs in. Default: [all]. */
  modes: z.array(z.enum(MODES)).default(['all']),
});

/** The `service` section: process-wide settings and the pipelines that wire components together. */
export const serviceSchema = z.strictObject({
  /** pino level; MESHLOG_LOG_LEVEL overrides it. Default: info. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  admin: z
    .strictObject({
      /** host:port of the admin server (healthz, readyz, metrics, signals API). Default: 127.0.0.1:8686. */
      endpoint: endpoint('127.0.0.1:8686'),
      /** TLS (and client certificates with `clientAuth`) for the admin server; absent means plain HTTP. */
      tls: tlsConfig.optional(),
      /**
       * A file holding a bearer token that every admin route except /healthz and /readyz requires
       * (`Authorization: Bearer <token>`): the signals API and /metrics. Absent means no token.
       */
      authTokenFile: z.string().min(1).optional(),
    })
    .default({ endpoint: '127.0.0.1:8686' }),
  workers: z
    .strictObject({
      /** Worker threads for decoding and parsing. Default: cores - 1, at least 1. */
      threads: z.number().int().positive().optional(),
      /** Tasks that may wait for a worker before senders are pushed back. Default: 64. */
      maxQueuedTasks: z.number().int().positive().default(64),
    })
    .default({ maxQueuedTasks: 64 }),
  /**
   * The process's memory limit in MiB, checked like the Collector's memory_limiter: past the soft
   * limit (this minus `memorySpikeLimitMiB`) receivers refuse with 429 / RESOURCE_EXHAUSTED / no
   * Fluent ack; past it the join emits its oldest requests early. Default: 512, sized for a
   * DaemonSet pod with a 640 MiB memory limit.
   * What is measured is the memory really held, as the Collector reads Go's live heap, not RSS:
   * the live V8 memory (heap in use plus Buffers) of the main thread and every worker thread, plus
   * a baseline for what lies outside V8 (RSS minus live at start), and never more than RSS. After a
   * burst the allocator keeps freed memory, so RSS can stay above this limit while little is live;
   * judging RSS refused data for ever. Leave room for that in the pod's limit (the 640 MiB above).
   */
  memoryLimitMiB: z.number().int().positive().default(DEFAULT_MEMORY_LIMIT_MIB),
  /** Headroom below memoryLimitMiB where refusing starts. Default: 20% of memoryLimitMiB. */
  memorySpikeLimitMiB: z.number().int().nonnegative().optional(),
  /** Batches each bounded channel holds before it pushes back. Default: 64. */
  queueCapacity: z.number().int().positive().default(64),
  /** How long SIGTERM may take to drain in-flight data before the process exits. Default: 8000. */
  drainTimeoutMs: z.number().int().positive().default(8000),
  deadLetter: z
    .strictObject({
      /** NDJSON file for rejected input, with the reason. Default: ./data/deadletter.ndjson. */
      path: z.string().default('./data/deadletter.ndjson'),
    })
    .default({ path: './data/deadletter.ndjson' }),
  pipelines: z.record(z.string(), pipeline),
});

export type ServiceConfig = z.infer<typeof serviceSchema>;
export type PipelineConfig = z.infer<typeof pipeline>;
