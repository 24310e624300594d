/**
 * A compact transferable encoding for records coming back from the worker pool. Structured
 * cloning a batch of records writes every key and every string of every record, and the main
 * thread then rebuilds them property by property. Here each distinct set of keys (a "shape") and
 * each distinct string is sent once per batch; values travel in typed arrays of one buffer, which
 * is transferred, not copied; strings a decoder read from the wire travel as their bytes and are
 * made once, on the thread that keeps them; and the main thread builds each object with a
 * function compiled once per shape (an object literal), which is what V8 makes fastest.
 *
 * record-format.ts is the format, record-packer.ts writes it, record-reader.ts reads it.
 */
import type { PackedRecords } from './record-format.ts';

export { REF, type PackedRecords, type RefKind } from './record-format.ts';
export { packRecords, RecordPacker } from './record-packer.ts';
export { unpackRecords } from './record-reader.ts';

/** The buffer to transfer with a packed batch (every typed array of it is a view of that one). */
export function transferables(p: PackedRecords): ArrayBuffer[] {
  return [p.tags.buffer as ArrayBuffer];
}
