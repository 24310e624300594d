import { move, transferableSymbol, valueSymbol } from 'piscina';
import { packRecords, transferables } from '../../pipeline/workers/record-codec.ts';
import { parseChunk } from './chunk.ts';
import type { ParseResult, ParseTask } from './task.ts';

/**
 * Piscina entry point: one task is a batch of chunks, never a single record. The records go back
 * packed (see record-codec.ts), their buffers transferred: cheaper on both threads than cloning.
 */
export default function parseTask(task: ParseTask): ParseResult {
  const out: ParseResult = { records: [], rejections: [] };
  for (const chunk of task.chunks) parseChunk(chunk, task, out);
  try {
    return packed(out);
  } catch (err) {
    // A value the codec does not carry: send the records as they are, structured-cloned.
    if (err instanceof TypeError) return out;
    throw err;
  }
}

function packed(result: ParseResult): ParseResult {
  const out = { ...result };
  const buffers: ArrayBuffer[] = [];
  if (out.records.length > 0) {
    out.packedRecords = packRecords(out.records);
    buffers.push(...transferables(out.packedRecords));
    out.records = [];
  }
  if (out.spans && out.spans.length > 0) {
    out.packedSpans = packRecords(out.spans);
    buffers.push(...transferables(out.packedSpans));
    out.spans = [];
  }
  if (buffers.length === 0) return out;
  return move({ [transferableSymbol]: buffers, [valueSymbol]: out } as never) as unknown as ParseResult;
}
