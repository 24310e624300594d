import { closeSync, openSync, readSync } from 'node:fs';
import { parseChunk } from '../../processors/parse/chunk.ts';
import type { ParseResult } from '../../processors/parse/task.ts';

/**
 * Parse only: reads FILE in 4 MiB blocks cut at line ends and runs each through the parser the
 * pipeline uses (parseChunk), keeping nothing; prints the counts. The Collector's side of the
 * comparison (filelog + regex_parser → nop) serialises nothing either; `meshlog parse` does (JSON
 * to stdout), so that row is given apart.
 */
const file = process.argv[2];
const fd = openSync(file, 'r');
const block = Buffer.allocUnsafe(4 << 20);
let carry = 0;
let accepted = 0;
let rejected = 0;
const parse = (data: Buffer) => {
  const out: ParseResult = { records: [], rejections: [] };
  parseChunk({ encoding: 'lines', data, receiver: 'bench' }, { format: 'auto', maxLineBytes: 65536 }, out);
  accepted += out.records.length;
  rejected += out.rejections.length;
};
for (;;) {
  const n = readSync(fd, block, carry, block.length - carry, null);
  const end = carry + n;
  if (n === 0) {
    if (end > 0) parse(block.subarray(0, end));
    break;
  }
  const cut = block.lastIndexOf(10, end - 1);
  if (cut < 0) throw new Error('a line longer than 4 MiB');
  parse(block.subarray(0, cut + 1));
  carry = end - cut - 1;
  block.copy(block, 0, cut + 1, end);
}
closeSync(fd);
process.stderr.write(JSON.stringify({ summary: { accepted, rejected } }) + '\n');
