import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';

export interface Row {
  [column: string]: string | number;
}

export interface Bench {
  name: string;
  description: string;
  run(): Promise<Row[]>;
}

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Runs `fn` repeatedly for at least `ms` (after a warm-up) and returns operations per second. */
export async function measure(
  ms: number,
  fn: () => Promise<number> | number,
): Promise<{ opsPerSec: number; ops: number; seconds: number }> {
  const warmEnd = Date.now() + Math.min(1000, ms / 4);
  while (Date.now() < warmEnd) await fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = Date.now() + ms;
  while (Date.now() < end) ops += await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { opsPerSec: ops / seconds, ops, seconds };
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n## ${title}`);
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? v.toLocaleString('en-US')
        : v.toLocaleString('en-US', { maximumFractionDigits: 2 })
      : v;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(cell(r[c])).length)));
  console.log(cols.map((c, i) => c.padEnd(widths[i])).join(' | '));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(cols.map((c, i) => String(cell(r[c])).padEnd(widths[i])).join(' | '));
}

export function writeResult(name: string, rows: Row[]): string {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), machine: machine(), rows }, null, 2) + '\n');
  return file.pathname;
}
