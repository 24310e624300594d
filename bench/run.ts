import { readdirSync } from 'node:fs';
import { machine, printTable, writeResult, type Bench } from './harness.ts';

/** `npm run bench [name…]`: runs the named benchmarks (all when none), prints tables, writes bench/results/<name>.json. */
const names = process.argv.slice(2);
const available = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''));
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
console.log('machine:', JSON.stringify(machine()));
for (const name of names.length > 0 ? names : available) {
  const mod = (await import(`./${name}.bench.ts`)) as { default: Bench };
  const rows = await mod.default.run();
  printTable(`${name}: ${mod.default.description}`, rows);
  console.log(`→ ${writeResult(name, rows)}`);
}
process.exit(0);
