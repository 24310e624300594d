import { flushCompileCache } from 'node:module';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { SpanRecord } from '../../pipeline/records.ts';
import { packRecords, RecordPacker, transferables, unpackRecords } from '../../pipeline/workers/record-codec.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { parseChunk } from './chunk.ts';
import type { ParseOptions, ParseResult, ParseTask } from './task.ts';

/**
 * Piscina entry point: one task is a batch of chunks, never a single record. The records go back
 * packed (see record-codec.ts), their buffers transferred: cheaper on both threads than cloning.
 * OTLP protobuf spans are written packed straight from the wire; spans of the other encodings
 * are packed behind them chunk by chunk, so they keep their order.
 */
// This thread's modules are compiled: kept in the compile cache (pipeline/cli/bin.mjs) now, as a
// worker thread writes its own entries only when it ends.
flushCompileCache();

export default function parseTask(task: ParseTask): ParseResult {
  const { result, buffers } = parseChunks(task.chunks, task);
  return withTransfers(result, buffers);
}

/** The chunks' records and spans, packed where the codec carries them, and the buffers to transfer. */
function parseChunks(chunks: RawChunk[], task: ParseOptions): { result: ParseResult; buffers: ArrayBuffer[] } {
  const out: ParseResult = { records: [], rejections: [] };
  let spans: RecordPacker | undefined = new RecordPacker();
  for (const chunk of chunks) {
    parseChunk(chunk, task, out, spans);
    if (spans && out.spans && out.spans.length > 0) {
      if (packInto(spans, out.spans)) out.spans = [];
      else {
        // A value the codec does not carry: every span of these chunks goes as it is, structured-cloned.
        out.spans = [...unpackRecords<SpanRecord>(spans.finish()), ...out.spans];
        spans = undefined;
      }
    }
  }
  if (spans && spans.count > 0) out.packedSpans = spans.finish();
  else spans?.release();
  const spanBuffers = out.packedSpans ? transferables(out.packedSpans) : [];
  if (out.records.length === 0) return { result: out, buffers: spanBuffers };
  try {
    const packedRecords = packRecords(out.records);
    return {
      result: { ...out, records: [], packedRecords },
      buffers: [...spanBuffers, ...transferables(packedRecords)],
    };
  } catch (err) {
    // A value the codec does not carry: send the records as they are, structured-cloned.
    if (err instanceof TypeError) return { result: out, buffers: spanBuffers };
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

function withTransfers(out: ParseResult, buffers: ArrayBuffer[]): ParseResult {
  if (buffers.length === 0) return out;
  return move({ [transferableSymbol]: buffers, [valueSymbol]: out } as never) as unknown as ParseResult;
}
