#!/usr/bin/env node
// meshlog's entry point. It is plain JavaScript so that it can check the Node version before
// loading TypeScript sources, which Node >= 22.18 runs directly (type stripping).
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `meshlog needs Node >= 22.18 (24 recommended; npm scripts use the pinned one), found ${process.version}`,
  );
  process.exit(2);
}
// A closed pipe (`meshlog parse … | head`) is a normal end of output, not a crash.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
// Node's compile cache keeps the type-stripped JavaScript of every module it loads (in
// $NODE_COMPILE_CACHE, default <tmpdir>/node-compile-cache; keyed by path and content, so an edited
// file is stripped again). With every module found there, an isolate never loads Node's TypeScript
// stripper (amaro, a WebAssembly build of swc): ~29 MB less resident memory per isolate, the main
// thread and each worker thread (bench/results/peers.md). The variable is set for the worker
// threads and for the process `run` re-executes into (Node adds its version to the path itself).
// A cache that cannot be opened is skipped.
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'node-compile-cache');
module.enableCompileCache?.();
// Two V8 flags for the server, each measured end to end in the peer bench (bench/results/peers.md):
// - Young generations of 2 × 16 MiB (V8 grows them to 2 × 32 MiB under load, in the main thread and
//   in every worker thread): peak RSS end to end ~450 → ~320-340 MB, spans ~340 → ~300 MB, for 3-5 %
//   more CPU on the spans path; 2 × 8 MiB saved no more and cost it 15-20 %.
// - No allocation-site pretenuring: the records a batch unpacks are all alive when a scavenge
//   comes, so V8 decided their allocation site outlives the young generation and allocated them in
//   the old one, where they died: 67 of 161 MB sampled dying in old space end to end, and the old
//   generation grew to ~150 MB between full GCs. Peak RSS end to end: median 280 against 294 MB
//   over 8 runs each, and 278-280 against 285-290 in one later run; CPU equal on every path.
// The flags cannot be set once the heap exists, so `run` replaces its process with one started
// with them (execve: same PID, signals and stdio; if that fails, meshlog runs on without them).
// Passing either flag yourself (`node --max-semi-space-size=0 bin.mjs run` for V8's own sizing)
// skips this.
const HEAP_FLAGS = ['--max-semi-space-size=16', '--no-allocation-site-pretenuring'];
const HEAP_FLAG_NAMES = ['--max-semi-space-size', '--allocation-site-pretenuring', '--no-allocation-site-pretenuring'];
const ownHeapFlags = process.execArgv.some((a) => HEAP_FLAG_NAMES.includes(a.split('=')[0]));
if (process.argv[2] === 'run' && !ownHeapFlags && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, [process.execPath, ...HEAP_FLAGS, ...process.execArgv, ...process.argv.slice(1)]);
  } catch (err) {
    console.error(`meshlog: could not restart with ${HEAP_FLAGS.join(' ')} (${err.message}); running without`);
  }
}
const { main } = await import('./main.ts');
await main(process.argv);
