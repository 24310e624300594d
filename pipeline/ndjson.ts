/**
 * The records as JSON lines, in one buffer. Each record's JSON text is encoded straight into the
 * buffer, which is sized for the batch up front (JSON is mostly ASCII: one byte a character).
 * Two earlier forms cost more:
 * - one string for the whole batch (~1 MB of RequestDocs in the file exporter) landed in V8's
 *   large-object space, which only a full GC frees: the old generation grew by every batch;
 * - joining the lines into 32 Ki-character strings first, then encoding them: one more copy of
 *   the text, ~16 % of the encoding's time on RequestDocs (2-core Xeon, Node 24).
 */
export function ndjson(records: readonly unknown[]): Buffer {
  const lines = new Array<string>(records.length);
  let chars = 0;
  for (let i = 0; i < records.length; i++) {
    lines[i] = JSON.stringify(records[i]);
    chars += lines[i].length + 1;
  }
  let out = Buffer.allocUnsafe(chars);
  let at = 0;
  let exact = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    // Up to three bytes a character: from the first line that may not fit, the rest is measured once.
    if (!exact && at + 3 * line.length + 1 > out.length) {
      exact = true;
      let need = at;
      for (let k = i; k < lines.length; k++) need += Buffer.byteLength(lines[k]) + 1;
      if (need > out.length) {
        const grown = Buffer.allocUnsafe(need);
        out.copy(grown, 0, 0, at);
        out = grown;
      }
    }
    at += out.write(line, at);
    out[at++] = 10;
  }
  return at === out.length ? out : out.subarray(0, at);
}
