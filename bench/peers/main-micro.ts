/*
 * The main thread's share of the end-to-end scenario on one thread, for A/B between two checkouts:
 *   node bench/peers/main-micro.ts [checkout]   (default: this one)
 * 120 batches of 1,000 of the peer bench's Istio lines are parsed and packed once, as the worker
 * sends them (the string table structured-cloned). What is timed is what the server's main thread
 * then does with them: unpack, the signals engine, the join engine, and NDJSON of the RequestDocs.
 * Prints CPU µs per line (the process's, so V8's GC threads count), best and median of 5 rounds
 * after 2 warm-ups. Alternate the checkouts over several runs: the load of a shared machine moves.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { istioLine } from './inputs.ts';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('../..', import.meta.url)));
const load = (path: string) => import(`${root}/${path}`);
const { packRecords, unpackRecords } = await load('pipeline/workers/record-codec.ts');
const { LineParser } = await load('processors/parse/line-parser.ts');
const { JoinEngine } = await load('processors/join/engine.ts');
const { joinConfig } = await load('processors/join/config.ts');
const { SignalsEngine } = await load('processors/signals/engine.ts');
const { signalsConfig } = await load('processors/signals/config.ts');
const { ndjson } = await load('pipeline/ndjson.ts');

const LINES = 120_000;
const parser = new LineParser('auto');
const base = Date.now();
const batches: Buffer[] = [];
for (let i = 0; i < LINES; i += 1000) {
  const records: object[] = [];
  for (let k = i; k < i + 1000; k++) {
    const r = parser.parse(istioLine(k, base));
    if (r.ok) records.push(r.record);
  }
  batches.push(serialize(packRecords(records)));
}

let bytes = 0;
function round(): number {
  const join = new JoinEngine(joinConfig.parse({}));
  const signals = new SignalsEngine(signalsConfig.parse({}));
  const t0 = process.cpuUsage();
  for (const b of batches) {
    const records = unpackRecords(deserialize(b)) as object[];
    signals.observe(records);
    const docs: unknown[] = [];
    for (const r of records) join.add(r, docs);
    join.advance(undefined, docs);
    if (docs.length > 0) bytes += ndjson(docs).length;
  }
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / LINES;
}

for (let i = 0; i < 2; i++) round();
const us = Array.from({ length: 5 }, round).sort((a, b) => a - b);
console.log(`${root}: main ${us[0].toFixed(2)} µs/line best, ${us[2].toFixed(2)} median (${bytes} bytes written)`);
