import { readFileSync } from 'node:fs';
import { parseChunk } from '../../processors/parse/chunk.ts';
import { otlpToSpans } from '../../processors/parse/decoders/otlp-traces.ts';
import { zipkinToSpans } from '../../processors/parse/decoders/zipkin.ts';
import type { ParseResult, Rejection } from '../../processors/parse/task.ts';
import type { AccessRecord, SpanRecord } from '../records.ts';

/** Access-log files through the pipeline's own chunk parser; rejections are reported on stderr. */
export function readLogFiles(files: string[], format: string): AccessRecord[] {
  const out: AccessRecord[] = [];
  for (const file of files) {
    const result: ParseResult = { records: [], rejections: [] };
    parseChunk(
      { encoding: 'lines', data: readFileSync(file === '-' ? 0 : file), receiver: 'cli' },
      { format, maxLineBytes: 65536 },
      result,
    );
    report(file, result.rejections);
    // One push per record: spreading a large file's records as arguments overflows the stack.
    for (const r of result.records) out.push(r);
  }
  return out;
}

/** Span files: a Zipkin v2 array, an OTLP request (`resourceSpans`) or a Tempo/Jaeger response (`batches`). */
export function readSpanFile(file: string): { kind: string; spans: SpanRecord[] } {
  const doc = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as unknown;
  const spans: SpanRecord[] = [];
  const rejections: Rejection[] = [];
  let kind: string;
  if (Array.isArray(doc)) {
    kind = 'zipkin-v2';
    zipkinToSpans(doc, 'cli', spans, rejections);
  } else if (doc && typeof doc === 'object' && ('resourceSpans' in doc || 'batches' in doc)) {
    kind = 'batches' in doc ? 'tempo-batches' : 'otlp';
    otlpToSpans(doc as Record<string, unknown>, 'cli', spans, rejections);
  } else {
    throw new Error(
      `${file}: not a Zipkin v2 array, an OTLP request (resourceSpans) or a Tempo/Jaeger response (batches)`,
    );
  }
  report(file, rejections);
  return { kind, spans };
}

function report(file: string, rejections: Rejection[]): void {
  for (const r of rejections) {
    const raw = typeof r.payload === 'string' ? r.payload : Buffer.from(r.payload).toString('latin1');
    process.stderr.write(JSON.stringify({ file, line: r.line, reason: r.reason, raw }) + '\n');
  }
}
