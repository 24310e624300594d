import type { AccessRecord, RawChunk } from '../../pipeline/records.ts';

/** What the parse processor sends to a worker: whole chunks, their buffers transferred. */
export interface ParseTask {
  chunks: RawChunk[];
  format: string;
  maxLineBytes: number;
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
  rejections: Rejection[];
}
