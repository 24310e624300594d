/**
 * The packed form of a batch of records (see record-codec.ts): one tag and one int32 per value,
 * in order. What the int32 means depends on the tag.
 */
export const TAG = {
  NULL: 0,
  UNDEFINED: 1,
  FALSE: 2,
  TRUE: 3,
  /** A number that is not an int32: `floats[num]`. */
  FLOAT: 4,
  /** `strings[num]`. */
  STRING: 5,
  /** An array of `num` values, which follow. */
  ARRAY: 6,
  /** An object of shape `shapes[num]`: its values follow, in the shape's key order. */
  OBJECT: 7,
  /** Text still in `blob`, at the `num`-th [start, end) pair of `refs`, as UTF-8. */
  UTF8_REF: 8,
  /** The same bytes shown as lowercase hex (trace and span ids). */
  HEX_REF: 9,
  /** Eight bytes there as an unsigned 64-bit little-endian integer, in decimal (fixed64 times). */
  U64_REF: 10,
  /** An int32 (not -0): `num` itself. */
  INT: 11,
} as const;

export type RefKind = typeof TAG.UTF8_REF | typeof TAG.HEX_REF | typeof TAG.U64_REF;
export const REF = { utf8: TAG.UTF8_REF, hex: TAG.HEX_REF, u64: TAG.U64_REF } as const;

/** Which region of `blob` a ref's bytes are in: text, hex ids, fixed64 times. */
export const REF_REGION = { [TAG.UTF8_REF]: 0, [TAG.HEX_REF]: 1, [TAG.U64_REF]: 2 } as const;

/**
 * The text and hex regions are made into strings a chunk at a time, each ref's string a slice of
 * its chunk's (one native call per chunk, not per string). A chunk's string runs on past its end
 * by the slack, so a ref no longer than that which starts in a chunk lies wholly in its string;
 * longer refs are made on their own. The chunk size bounds what one kept slice keeps alive.
 */
export const TEXT_CHUNK_BYTES = 4096;
export const TEXT_CHUNK_SLACK_BYTES = 256;

export interface PackedRecords {
  count: number;
  tags: Uint8Array;
  nums: Int32Array;
  floats: Float64Array;
  /**
   * [start, end) pairs into the region of `blob` of the ref's kind: strings the receiving thread
   * makes from the bytes a decoder read. A ref is always read as one kind.
   */
  refs: Int32Array;
  /** The text region, then the hex region, then the fixed64 region. */
  blob: Uint8Array;
  textBytes: number;
  hexBytes: number;
  /** Text chunks where some ref starts whose bytes are not all ASCII: made with UTF-8 decoding, ref by ref. */
  nonAsciiChunks: number[];
  /** Every typed array above is a view of one ArrayBuffer: one transfer. */
  strings: string[];
  shapes: string[][];
}

/**
 * A shape's key: JSON, so that no two key lists share one (joined with a separator, `[]` and
 * `[""]`, or `["a\0", "b"]` and `["a", "\0b"]`, would, and one would be read with the other's keys).
 */
export function shapeId(keys: string[]): string {
  return JSON.stringify(keys);
}
