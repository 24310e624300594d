/** Text encoded at once: under V8's large-object size, so the strings die young (see ndjson). */
const PIECE_CHARS = 32 * 1024;

/**
 * The records as JSON lines, in one buffer. The text is encoded a piece at a time: a whole batch's
 * text (~1 MB of RequestDocs in the file exporter) was one string in V8's large-object space,
 * which only a full GC frees, and the main thread's old generation grew by every batch.
 */
export function ndjson(records: readonly unknown[]): Buffer {
  const pieces: Buffer[] = [];
  let text = '';
  for (const r of records) {
    text += JSON.stringify(r) + '\n';
    if (text.length >= PIECE_CHARS) {
      pieces.push(Buffer.from(text));
      text = '';
    }
  }
  if (text || pieces.length === 0) pieces.push(Buffer.from(text));
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
}
