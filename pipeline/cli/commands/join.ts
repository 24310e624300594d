import { joinConfig } from '../../../processors/join/config.ts';
import { JoinEngine } from '../../../processors/join/engine.ts';
import type { AccessRecord, RequestDoc, SpanRecord } from '../../records.ts';
import { parseDuration } from '../../duration.ts';
import { readLogFiles, readSpanFile } from '../read-parts.ts';

export interface JoinOpts {
  logs: string[];
  spans?: string[];
  idle: string;
  maxAge: string;
  format: string;
  synthesize: boolean;
}

const startMs = (p: AccessRecord | SpanRecord) =>
  p['event.dataset'] === 'mesh.span' ? Number(BigInt(p['span.start_ns']) / 1_000_000n) : Date.parse(p['@timestamp']);

/**
 * `meshlog join`: the join, offline. All parts are read, ordered by event time (input order
 * breaks ties) and replayed through the same engine `meshlog run` uses, so the same input always
 * gives the same documents. RequestDocs go to stdout as NDJSON; a summary to stderr.
 */
export function joinCommand(opts: JoinOpts): void {
  let engine: JoinEngine;
  let parts: Array<AccessRecord | SpanRecord>;
  try {
    const defaults = joinConfig.parse({});
    engine = new JoinEngine({
      ...defaults,
      idleMs: parseDuration(opts.idle, '--idle'),
      maxAgeMs: parseDuration(opts.maxAge, '--max-age'),
      synthesize: opts.synthesize,
    });
    parts = [...readLogFiles(opts.logs, opts.format), ...(opts.spans ?? []).flatMap((f) => readSpanFile(f).spans)];
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const ordered = parts.map((p, i) => ({ p, t: startMs(p), i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const docs: RequestDoc[] = [];
  for (const { p } of ordered) {
    engine.add(p, docs);
    engine.advance(undefined, docs);
  }
  engine.flush('complete', docs);
  process.stdout.write(docs.map((d) => JSON.stringify(d)).join('\n') + (docs.length ? '\n' : ''));
  process.stderr.write(
    JSON.stringify({ summary: { parts: parts.length, requests: docs.length, ...engine.counters } }) + '\n',
  );
}
