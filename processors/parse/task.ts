import type { AccessRecord, RawChunk, SpanRecord } from '../../pipeline/records.ts';
import type { MeshRules } from './line-parser.ts';
import { unpackRecords, type PackedRecords } from '../../pipeline/workers/record-codec.ts';

/** How lines are parsed: the format hint, the longest line accepted and the mesh's naming rules. */
export interface ParseOptions {
  format: string;
  maxLineBytes: number;
  /** Cluster domain and workload → subset rules; the defaults of config.ts when absent (offline CLI). */
  mesh?: MeshRules;
  /** Pod addresses remembered to name a waypoint's upstream workload. Default: 10000. */
  maxEndpoints?: number;
}

/** What the parse processor sends to a worker: whole chunks, their buffers transferred. */
export interface ParseTask extends ParseOptions {
  chunks: RawChunk[];
}

export interface Rejection {
  receiver: string;
  code: string;
  reason: string;
  /** The offending input: the line, or the whole chunk when it could not be split. */
  payload: Uint8Array | string;
  line?: number;
}

export interface ParseResult {
  records: AccessRecord[];
  /** Spans, from the trace encodings. */
  spans?: SpanRecord[];
  rejections: Rejection[];
  /** The ALS stream identifier, when the chunk carried one (only a stream's first message does). */
  identifier?: { nodeId: string | null; logName: string | null };
  /** Set when a whole chunk could not be decoded (bad protobuf or JSON): the sender's request is bad. */
  undecodable?: string;
  /** `records` and `spans` as the worker sends them back; `unpackResult` turns them into objects. */
  packedRecords?: PackedRecords;
  packedSpans?: PackedRecords;
}

/**
 * A worker's result with its packed records unpacked (on the thread that consumes them), as a new
 * object; the message the worker sent is emptied of its packed parts and never given the records.
 * Something on the message's way (piscina's side or the promises after it) is often already in the
 * old generation, garbage but not yet collected, and still points at it; a scavenge takes whatever
 * an old object points to as alive, until the next full GC. Whatever stayed reachable from the
 * message was copied and then promoted that way: with the records hung on it, 71 of the 138 MB the
 * main thread allocated for 180k lines (parse only); with its string table left on it, 19 MB; 9 MB
 * now, as much as parsing on the main thread itself promotes.
 */
export function unpackResult(r: ParseResult): ParseResult {
  if (!r.packedRecords && !r.packedSpans) return r;
  const out: ParseResult = {
    ...r,
    records: r.packedRecords ? unpackRecords<AccessRecord>(r.packedRecords) : r.records,
    spans: r.packedSpans ? unpackRecords<SpanRecord>(r.packedSpans) : r.spans,
    packedRecords: undefined,
    packedSpans: undefined,
  };
  r.packedRecords = undefined;
  r.packedSpans = undefined;
  return out;
}
