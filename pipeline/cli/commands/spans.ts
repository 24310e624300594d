import { readSpanFile } from '../read-parts.ts';

/**
 * `meshlog spans FILE`: normalised spans as NDJSON. The input kind is detected: a JSON array is
 * Zipkin v2; an object with `resourceSpans` is an OTLP ExportTraceServiceRequest; one with
 * `batches` is a Tempo/Jaeger response. Rejected spans and a summary go to stderr.
 */
export function spansCommand(file: string): void {
  let result: ReturnType<typeof readSpanFile>;
  try {
    result = readSpanFile(file);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const { kind, spans } = result;
  process.stdout.write(spans.map((s) => JSON.stringify(s)).join('\n') + (spans.length ? '\n' : ''));
  process.stderr.write(JSON.stringify({ summary: { kind, spans: spans.length } }) + '\n');
}
