import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzzTarget, timeAlone } from './engine.ts';
import { TARGETS } from './targets/index.ts';

const RUNS = 3000;

/**
 * The short run of `npm run fuzz`: the probes at scale, the real-data seeds, then mutants and
 * generated inputs from a fixed seed, so a failure here reproduces with
 * `npm run fuzz -- --runs 3000 --seed 12 --targets <name>`, which also saves the inputs.
 */
describe('fuzz, short run: every receiver decoder and parser', () => {
  for (const name of Object.keys(TARGETS)) {
    it(`${name}: ${RUNS} seeded, mutated and generated inputs, each accepted or rejected with a reason`, async () => {
      const s = await fuzzTarget(name, { runs: RUNS, seed: 12 });
      expect(s.runs).toBe(RUNS);
      // No crash, no input over 1 s, no input growing the heap past 64×its size + 16 MiB,
      // no rejection without a reason: each finding names its kind, cause and count.
      expect(s.findings.map((f) => `${f.kind} ×${f.count}: ${f.signature}`)).toEqual([]);
      expect(s.accepted + s.rejected).toBe(RUNS);
      // The real-data seeds reach the decoders' happy path, and the mutants their refusals.
      expect(s.accepted).toBeGreaterThan(0);
      expect(s.rejected).toBeGreaterThan(0);
      // A hang costs a rerun of up to 30 s alone: give the run room to report it, not time out.
    }, 600_000);
  }
});

/** Every input the fuzzer once broke a decoder with stays answered: accepted, or rejected with a reason. */
describe('fuzz, saved findings replayed', () => {
  const dir = new URL('./crashes/', import.meta.url);
  const saved = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(new URL(`${d.name}/`, dir))
        .filter((f) => f.endsWith('.bin'))
        .map((f) => ({ target: d.name, file: f })),
    );
  it('has saved inputs for the decoders that broke', () => {
    expect(saved.length).toBeGreaterThan(0);
  });
  for (const { target, file } of saved) {
    it(`${target}/${file}`, async () => {
      const input = new Uint8Array(readFileSync(new URL(`${target}/${file}`, dir)));
      // Alone in a worker with a 5 s limit: a saved hang must not hang the test run. The 1 s bound
      // is the hang property, in CPU time (not wall), for inputs that take microseconds.
      const r = await timeAlone(target, input, { seed: 12 }, 5000);
      expect(r.error).toBeUndefined();
      expect(r.cpuMs).toBeDefined();
      expect(r.cpuMs).toBeLessThan(1000);
      expect(r.outcome).toBeDefined();
      if (r.outcome && !r.outcome.ok) expect(r.outcome.reason).not.toBe('');
    });
  }
});
