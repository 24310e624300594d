/*
 * The parse worker's task on one thread, for A/B between two checkouts in one session:
 *   node bench/peers/worker-micro.ts [checkout]   (default: this one)
 * Parses 40 chunks of 1,000 of the peer bench's Istio lines with the checkout's worker entry point
 * (parse, normalise, pack) and prints CPU µs per line, best and median of 7 rounds after 3 warm-ups.
 * Alternate the checkouts over several runs: the load of a shared machine moves between rounds.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { istioLine } from './inputs.ts';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('../..', import.meta.url)));
const parseTask = (await import(`${root}/processors/parse/worker.ts`)).default as (task: unknown) => unknown;
const base = Date.now();
const chunks: Uint8Array[] = [];
for (let c = 0; c < 40; c++) {
  let text = '';
  for (let k = c * 1000; k < c * 1000 + 1000; k++) text += istioLine(k, base) + '\n';
  chunks.push(new Uint8Array(Buffer.from(text)));
}

function round(): number {
  const t0 = process.cpuUsage();
  for (const data of chunks)
    parseTask({ chunks: [{ encoding: 'lines', data, receiver: 'micro' }], format: 'auto', maxLineBytes: 65536 });
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / (chunks.length * 1000);
}

for (let i = 0; i < 3; i++) round();
const us = Array.from({ length: 7 }, round).sort((a, b) => a - b);
console.log(`${root}: parse worker ${us[0].toFixed(2)} µs/line best, ${us[3].toFixed(2)} median`);
