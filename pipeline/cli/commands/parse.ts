import { createReadStream } from 'node:fs';
import { parseChunk } from '../../../processors/parse/chunk.ts';
import { LineParser } from '../../../processors/parse/line-parser.ts';
import type { ParseResult } from '../../../processors/parse/task.ts';
import { ndjson } from '../../ndjson.ts';
import { countNewlines } from '../../newlines.ts';

/**
 * `meshlog parse`: one JSON record per accepted line on stdout; each rejected line as JSON on
 * stderr with its file, line number, reason and raw text; then a summary. It uses the same chunk
 * parser as the pipeline, so what it accepts is what `meshlog run` accepts. Exit 0 unless I/O fails.
 */
export async function parseCommand(files: string[], opts: { format: string; maxLineBytes: number }): Promise<void> {
  try {
    new LineParser(opts.format);
  } catch (err) {
    process.stderr.write(`--format: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const inputs = files.length === 0 ? ['-'] : files;
  const summary = { accepted: 0, rejected: 0, formats: {} as Record<string, number> };
  for (const file of inputs) {
    try {
      await parseStream(file, opts, summary);
    } catch (err) {
      process.stderr.write(`${file}: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
  process.stderr.write(JSON.stringify({ summary }) + '\n');
}

async function parseStream(
  file: string,
  opts: { format: string; maxLineBytes: number },
  summary: { accepted: number; rejected: number; formats: Record<string, number> },
): Promise<void> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  let carry: Buffer = Buffer.alloc(0);
  let linesBefore = 0;
  const flush = async (block: Buffer) => {
    const out: ParseResult = { records: [], rejections: [] };
    parseChunk(
      { encoding: 'lines', data: block, receiver: 'cli' },
      { format: opts.format, maxLineBytes: opts.maxLineBytes },
      out,
    );
    for (const r of out.rejections) {
      summary.rejected++;
      const raw = typeof r.payload === 'string' ? r.payload : Buffer.from(r.payload).toString('latin1');
      process.stderr.write(JSON.stringify({ file, line: (r.line ?? 0) + linesBefore, reason: r.reason, raw }) + '\n');
    }
    for (const rec of out.records) {
      summary.accepted++;
      summary.formats[rec['envoy.format']] = (summary.formats[rec['envoy.format']] ?? 0) + 1;
    }
    if (out.records.length > 0 && !process.stdout.write(ndjson(out.records)))
      await new Promise((r) => process.stdout.once('drain', r));
    linesBefore += countNewlines(block);
  };
  for await (const piece of input as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, piece]) : piece;
    const cut = buf.lastIndexOf(10);
    if (cut === -1) {
      carry = buf;
      continue;
    }
    carry = buf.subarray(cut + 1);
    await flush(buf.subarray(0, cut + 1));
  }
  if (carry.length) await flush(carry);
}
