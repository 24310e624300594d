import { readFileSync } from 'node:fs';
import { otlpToSpans } from '../../../processors/parse/decoders/otlp-traces.ts';
import { zipkinToSpans } from '../../../processors/parse/decoders/zipkin.ts';
import type { Rejection } from '../../../processors/parse/task.ts';
import type { SpanRecord } from '../../records.ts';

/**
 * `meshlog spans FILE`: normalised spans as NDJSON. The input kind is detected: a JSON array is
 * Zipkin v2; an object with `resourceSpans` is an OTLP ExportTraceServiceRequest; one with
 * `batches` is a Tempo/Jaeger response. Rejected spans and a summary go to stderr.
 */
export function spansCommand(file: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (err) {
    process.stderr.write(`${file}: ${(err as Error).message}\n`);
    process.exit(1);
  }
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
    process.stderr.write(`${file}: not a Zipkin v2 array, an OTLP request (resourceSpans) or a Tempo/Jaeger response (batches)\n`);
    process.exit(1);
  }
  process.stdout.write(spans.map((s) => JSON.stringify(s)).join('\n') + (spans.length ? '\n' : ''));
  for (const r of rejections) process.stderr.write(JSON.stringify({ reason: r.reason, raw: r.payload }) + '\n');
  process.stderr.write(JSON.stringify({ summary: { kind, spans: spans.length, rejected: rejections.length } }) + '\n');
}
