import { z } from 'zod';

/** `elasticsearch`: RequestDocs, hops, route windows, decisions and dead letters into Elasticsearch. */
export const elasticsearchConfig = z.strictObject({
  /** Elasticsearch URL(s). Default: http://127.0.0.1:9200. */
  endpoints: z.array(z.string().url()).min(1).default(['http://127.0.0.1:9200']),
  /** Prefix of every index, alias and data stream. Default: meshlog. */
  prefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default('meshlog'),
  /**
   * How hops, decisions and dead letters are stored: `datastream` (append-only), `alias` (dated
   * indices behind an alias), or `auto` (data streams when the cluster has them). Requests and
   * windows are always dated indices behind an alias: they are rewritten (late joins, filling windows).
   */
  appendOnly: z.enum(['auto', 'datastream', 'alias']).default('auto'),
  /** Send AccessRecords to the hops index too. Default: true. */
  hops: z.boolean().default(true),
  batch: z
    .strictObject({
      /** Most documents in one bulk request. Default: 1000. */
      maxDocs: z.number().int().positive().default(1000),
      /** Most bytes (NDJSON, before compression) in one bulk request. Default: 5 MiB. */
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      /** Longest a document waits for its batch to fill. Default: 1000. */
      flushMs: z.number().int().positive().default(1000),
    })
    .default({ maxDocs: 1000, maxBytes: 5 * 1024 * 1024, flushMs: 1000 }),
  /** Bulk requests in flight at once. Default: 2. */
  concurrency: z.number().int().positive().default(2),
  /** Documents buffered (not yet acknowledged by Elasticsearch) before consume waits. Default: 20000. */
  maxBufferedDocs: z.number().int().positive().default(20_000),
  /** gzip the bulk bodies. Default: true. */
  compression: z.boolean().default(true),
  retry: z
    .strictObject({
      /** First backoff. Default: 200. */
      initialMs: z.number().int().positive().default(200),
      /** Longest backoff. Default: 30000. */
      maxMs: z.number().int().positive().default(30_000),
      /** How long a document rejected with 429/5xx keeps being retried before it is dead-lettered. Default: 300000. */
      itemDeadlineMs: z.number().int().positive().default(300_000),
    })
    .default({ initialMs: 200, maxMs: 30_000, itemDeadlineMs: 300_000 }),
  /** Where documents Elasticsearch refuses (4xx, e.g. a mapping conflict) go: `index` (<prefix>-deadletters) or `file` (the process dead-letter file). Default: index. */
  deadLetter: z.enum(['index', 'file']).default('index'),
  /** Per request timeout. Default: 30000. */
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

export type ElasticsearchConfig = z.infer<typeof elasticsearchConfig>;
