import type { Rng } from './rng.ts';

/** A decoder's answer to one input. A rejection must say why: an empty reason is a finding. */
export type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * One decoder or parser under fuzz. `run` returns the decoder's answer and throws only when the
 * decoder broke its contract (an exception it must not let out, or a masked one: see
 * MaskedCrash); the engine counts every throw as a crash.
 */
export interface Target {
  name: string;
  /** The decoder's contract in one sentence: what a clean answer is. */
  contract: string;
  /** Inputs longer than this are cut (mutation never grows past it). */
  maxLen: number;
  seeds(): Uint8Array[];
  /** Tokens the mutator splices in: format operators, JSON keys, msgpack headers, protobuf tags. */
  dictionary: Uint8Array[];
  /**
   * Bytes a small input may legitimately inflate to (gzip bodies and bins, capped by the
   * receiver's `maxBytes`): the heap budget of an input is 64 × (its length) + 16 MiB, plus 4 × this.
   */
  inflateCap?: number;
  /** Hostile inputs at scale (targets/probes.ts), run before the seeds, exempt from maxLen. */
  probes?(): Uint8Array[];
  /** A structure-aware input built from scratch, not from a seed. */
  generate(rng: Rng): Uint8Array;
  run(input: Uint8Array): Outcome | Promise<Outcome>;
}

/**
 * A failure the decoder caught itself but should never have had: e.g. a TypeError from mapping a
 * well-formed protobuf, turned into "payload could not be decoded" by a catch-all. The sender
 * gets a 400 with a JavaScript error message, and the bug stays hidden; the fuzzer counts it as a crash.
 */
export class MaskedCrash extends Error {
  override name = 'MaskedCrash';
}

/** JavaScript engine errors that mean a bug when they reach a decoder's caller. */
export const ENGINE_ERROR =
  /Cannot read propert|Cannot use 'in'|is not (a function|iterable|an object|defined)|Maximum call stack|Invalid (time value|array length|string length)|Offset is outside|out of memory|Cannot convert|Cannot destructure|undefined is not|null is not/;

const latin1 = new TextDecoder('utf-8');
export const text = (b: Uint8Array): string => latin1.decode(b);

/** The first rejection's reason, or a finding when there is none. */
export function firstReason(reasons: string[]): Outcome {
  if (reasons.length === 0) return { ok: true };
  return { ok: false, reason: reasons.find((r) => !r) ?? reasons[0] };
}

/** The heap an input may grow by before it is a memory finding. */
export function heapBudget(target: Pick<Target, 'inflateCap'>, inputLength: number): number {
  return 64 * inputLength + 16 * 1024 * 1024 + 4 * (target.inflateCap ?? 0);
}
