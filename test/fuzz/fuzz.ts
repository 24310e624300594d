/**
 * npm run fuzz -- [--runs N] [--targets a,b] [--seed S] [--jobs J] [--seconds per-target] [--out file.json]
 * Runs N inputs (default 1,000,000) through each decoder and parser, prints per-target counts and
 * throughput, and saves each crash, hang and memory finding's input under test/fuzz/crashes/<target>/.
 * Other engineers share the machine: run the long run under `nice -n 19` with one job.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fuzzTarget } from './engine.ts';
import type { TargetStats } from './stats.ts';
import { TARGETS } from './targets/index.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000000' },
    targets: { type: 'string', default: Object.keys(TARGETS).join(',') },
    seed: { type: 'string', default: '12' },
    jobs: { type: 'string', default: '1' },
    out: { type: 'string' },
    /** A time budget per target: stop early and report what ran (for a shared machine). */
    seconds: { type: 'string' },
    /** Skip the probes at scale (e.g. to spend a time budget on mutation once they are known). */
    'no-probes': { type: 'boolean', default: false },
    /** Where findings' inputs go (default test/fuzz/crashes, which the short test replays). */
    'save-dir': { type: 'string' },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const names = values.targets.split(',').filter(Boolean);
for (const n of names)
  if (!TARGETS[n]) throw new Error(`unknown target "${n}"; known: ${Object.keys(TARGETS).join(', ')}`);

const line = (s: TargetStats) =>
  [
    s.target.padEnd(18),
    String(s.runs).padStart(9),
    String(s.accepted).padStart(9),
    String(s.rejected).padStart(9),
    String(s.crashes).padStart(7),
    String(s.hangs).padStart(5),
    String(s.memory).padStart(4),
    String(s.noReason).padStart(5),
    String(Math.round(s.runs / (s.ms / 1000 || 1))).padStart(8),
    s.slowestMs.toFixed(1).padStart(8),
    (s.peakHeapDelta / 1048576).toFixed(1).padStart(7),
    (s.ms / 1000).toFixed(0).padStart(6),
  ].join(' ');
console.log('target                  inputs  accepted  rejected crashes hangs  mem noRsn  inp/s  slowMs heapMiB  sec');

const results: TargetStats[] = [];
const queue = [...names];
async function lane(): Promise<void> {
  for (let name = queue.shift(); name; name = queue.shift()) {
    const t0 = performance.now();
    let lastPrint = 0;
    const s = await fuzzTarget(name, {
      runs,
      seed,
      probes: !values['no-probes'],
      deadline: values.seconds ? Date.now() + Number(values.seconds) * 1000 : undefined,
      onProgress: (p) => {
        if (performance.now() - lastPrint > 30_000 && process.stderr.isTTY === false) {
          lastPrint = performance.now();
          process.stderr.write(`${name}: ${p.runs}/${runs}\n`);
        }
      },
    });
    s.ms = performance.now() - t0;
    results.push(s);
    console.log(line(s));
    save(s);
  }
}

function save(s: TargetStats): void {
  if (!s.findings.length) return;
  const root = values['save-dir'] ? pathToFileURL(`${values['save-dir']}/`) : new URL('./crashes/', import.meta.url);
  const dir = new URL(`${s.target}/`, root);
  mkdirSync(dir, { recursive: true });
  s.findings.forEach((f, i) => {
    const base = `${f.kind}-${String(i + 1).padStart(2, '0')}`;
    writeFileSync(new URL(`${base}.bin`, dir), Buffer.from(f.input, 'base64'));
    writeFileSync(
      new URL(`${base}.json`, dir),
      JSON.stringify(
        { target: s.target, kind: f.kind, signature: f.signature, count: f.count, detail: f.detail, seed },
        null,
        1,
      ) + '\n',
    );
  });
}

const t0 = performance.now();
await Promise.all(Array.from({ length: Math.max(1, Number(values.jobs)) }, lane));
const total = (performance.now() - t0) / 1000;
console.log(`total ${results.reduce((n, s) => n + s.runs, 0)} inputs in ${total.toFixed(0)} s`);
for (const s of results) for (const f of s.findings) console.log(`  ${s.target} ${f.kind} ×${f.count}: ${f.signature}`);
if (values.out) writeFileSync(values.out, JSON.stringify(results, null, 1));
process.exitCode = results.some((s) => s.crashes || s.hangs || s.memory || s.noReason) ? 1 : 0;
