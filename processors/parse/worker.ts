import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { SpanRecord } from '../../pipeline/records.ts';
import { packRecords, RecordPacker, transferables, unpackRecords } from '../../pipeline/workers/record-codec.ts';
import { parseChunk } from './chunk.ts';
import type { ParseResult, ParseTask } from './task.ts';

/**
 * Piscina entry point: one task is a batch of chunks, never a single record. The records go back
 * packed (see record-codec.ts), their buffers transferred: cheaper on both threads than cloning.
 * OTLP protobuf spans are written packed straight from the wire; spans of the other encodings
 * are packed behind them chunk by chunk, so they keep their order.
 */
export default function parseTask(task: ParseTask): ParseResult {
  const out: ParseResult = { records: [], rejections: [] };
  let spans: RecordPacker | undefined = new RecordPacker();
  for (const chunk of task.chunks) {
    parseChunk(chunk, task, out, spans);
    if (spans && out.spans && out.spans.length > 0) {
      if (packInto(spans, out.spans)) out.spans = [];
      else {
        // A value the codec does not carry: every span of this task goes as it is, structured-cloned.
        out.spans = [...unpackRecords<SpanRecord>(spans.finish()), ...out.spans];
        spans = undefined;
      }
    }
  }
  if (spans && spans.count > 0) out.packedSpans = spans.finish();
  try {
    return packed(out);
  } catch (err) {
    // A value the codec does not carry: send the records as they are, structured-cloned.
    if (err instanceof TypeError) return withTransfers(out, out.packedSpans ? transferables(out.packedSpans) : []);
    throw err;
  }
}

/** Packs `records` behind what `packer` holds; false (and nothing of them kept) when one cannot be packed. */
function packInto(packer: RecordPacker, records: object[]): boolean {
  const mark = packer.mark();
  try {
    for (const r of records) packer.record(r);
    return true;
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    packer.rewind(mark);
    return false;
  }
}

function packed(result: ParseResult): ParseResult {
  const out = { ...result };
  const buffers: ArrayBuffer[] = out.packedSpans ? transferables(out.packedSpans) : [];
  if (out.records.length > 0) {
    out.packedRecords = packRecords(out.records);
    buffers.push(...transferables(out.packedRecords));
    out.records = [];
  }
  return withTransfers(out, buffers);
}

function withTransfers(out: ParseResult, buffers: ArrayBuffer[]): ParseResult {
  if (buffers.length === 0) return out;
  return move({ [transferableSymbol]: buffers, [valueSymbol]: out } as never) as unknown as ParseResult;
}
