import { permanent } from '../../pipeline/errors.ts';

export interface FrameLimits {
  /** Most bytes one message may take. */
  maxBytes: number;
  /** Most array items and map keys + values one message may claim, summed over all its headers. */
  maxElements: number;
  /** Deepest nesting of arrays and maps. */
  maxDepth: number;
}

/** Sizes of the fixed-width msgpack types, by first byte; the others are read in `#header`. */
const FIXED: Record<number, number> = {
  0xc0: 1, 0xc2: 1, 0xc3: 1, 0xca: 5, 0xcb: 9, 0xcc: 2, 0xcd: 3, 0xce: 5, 0xcf: 9,
  0xd0: 2, 0xd1: 3, 0xd2: 5, 0xd3: 9, 0xd4: 3, 0xd5: 4, 0xd6: 6, 0xd7: 10, 0xd8: 18,
}; // prettier-ignore

const NEED_MORE = -1;

/**
 * Cuts a msgpack byte stream into whole top-level messages by reading headers only, before
 * anything is decoded. The decoder allocates an array as soon as it reads a header (16 KiB of
 * nested `array16` headers made @msgpack/msgpack allocate 2.5 GiB), so a message reaches it only
 * once it is complete, within `maxBytes`, `maxDepth` and `maxElements` in total: then every
 * claimed element is backed by at least one byte that arrived, and allocation is bounded.
 * Resumable: the scan keeps its place between chunks. Throws a permanent MESHLOG_LIMIT_EXCEEDED
 * or MESHLOG_DECODE_FAILED naming the limit or the byte.
 */
export class MsgpackFramer {
  readonly #limits: FrameLimits;
  /** Bytes of the message being scanned and after it (a view of `#store`). */
  #buf: Buffer = Buffer.alloc(0);
  /** Room to append into; replaced (never overwritten) when full, so returned views stay valid. */
  #store: Buffer = Buffer.alloc(0);
  /** Where the scan stands in `#buf`; the message being scanned starts at 0. */
  #pos = 0;
  /** Items still expected by each open array or map, innermost last. */
  #open: number[] = [];
  #claimed = 0;
  #claimedTotal = 0;

  constructor(limits: FrameLimits) {
    this.#limits = limits;
  }

  /** Elements claimed by every message framed so far. */
  get claimedTotal(): number {
    return this.#claimedTotal + this.#claimed;
  }

  /** Bytes held for the message not yet complete. */
  get pendingBytes(): number {
    return this.#buf.length;
  }

  /** Adds bytes read from the sender. */
  append(chunk: Uint8Array): void {
    const live = this.#buf.length;
    const used = this.#buf.byteOffset - this.#store.byteOffset + live;
    if (used + chunk.byteLength > this.#store.length) {
      // Grow by doubling, so a large message arriving in many chunks is copied O(n) times in all.
      this.#store = Buffer.allocUnsafe(Math.max(live + chunk.byteLength, 2 * live, 64 * 1024));
      this.#buf.copy(this.#store, 0);
      this.#buf = this.#store.subarray(0, live);
    }
    const at = this.#buf.byteOffset - this.#store.byteOffset;
    this.#store.set(chunk, at + live);
    this.#buf = this.#store.subarray(at, at + live + chunk.byteLength);
  }

  /** The next complete message, as its own bytes, or undefined until more bytes arrive. */
  next(): Buffer | undefined {
    const end = this.#scan();
    if (end === NEED_MORE) {
      if (this.#buf.length > this.#limits.maxBytes) this.#tooMany('bytes in one message', this.#limits.maxBytes);
      return undefined;
    }
    const message = this.#buf.subarray(0, end);
    this.#buf = this.#buf.subarray(end);
    this.#pos = 0;
    this.#claimedTotal += this.#claimed;
    this.#claimed = 0;
    return message;
  }

  /** Scans on from `#pos`; returns the end of a complete message, or NEED_MORE. */
  #scan(): number {
    const buf = this.#buf;
    while (this.#pos < buf.length) {
      const h = this.#header(buf, this.#pos);
      if (h.size === NEED_MORE) return NEED_MORE;
      if (this.#pos + h.size > this.#limits.maxBytes) this.#tooMany('bytes in one message', this.#limits.maxBytes);
      if (this.#pos + h.size > buf.length) return NEED_MORE;
      this.#pos += h.size;
      if (h.items > 0) {
        this.#claimed += h.items;
        if (this.#claimed > this.#limits.maxElements)
          this.#tooMany('elements in one message', this.#limits.maxElements);
        if (this.#open.length >= this.#limits.maxDepth) this.#tooMany('levels of nesting', this.#limits.maxDepth);
        this.#open.push(h.items);
        continue;
      }
      // A whole value: close every container it completes.
      for (;;) {
        if (this.#open.length === 0) return this.#pos;
        if (--this.#open[this.#open.length - 1] > 0) break;
        this.#open.pop();
      }
    }
    return NEED_MORE;
  }

  /** The size of the header and inline payload at `p`, and how many items it opens. */
  #header(buf: Buffer, p: number): { size: number; items: number } {
    const b = buf[p];
    const have = buf.length - p;
    const len = (n: number, at: number) =>
      have < at + n ? NEED_MORE : n === 1 ? buf[p + at] : n === 2 ? buf.readUInt16BE(p + at) : buf.readUInt32BE(p + at);
    if (b <= 0x7f || b >= 0xe0) return { size: 1, items: 0 };
    if (b <= 0x8f) return { size: 1, items: 2 * (b & 0x0f) };
    if (b <= 0x9f) return { size: 1, items: b & 0x0f };
    if (b <= 0xbf) return { size: 1 + (b & 0x1f), items: 0 };
    if (FIXED[b]) return { size: FIXED[b], items: 0 };
    const sized = (n: number, extra: number) => {
      const l = len(n, 1);
      return { size: l === NEED_MORE ? NEED_MORE : 1 + n + extra + l, items: 0 };
    };
    const counted = (n: number, per: number) => {
      const l = len(n, 1);
      return { size: l === NEED_MORE ? NEED_MORE : 1 + n, items: l === NEED_MORE ? 0 : per * l };
    };
    switch (b) {
      case 0xc4: case 0xd9: return sized(1, 0);
      case 0xc5: case 0xda: return sized(2, 0);
      case 0xc6: case 0xdb: return sized(4, 0);
      case 0xc7: return sized(1, 1);
      case 0xc8: return sized(2, 1);
      case 0xc9: return sized(4, 1);
      case 0xdc: return counted(2, 1);
      case 0xdd: return counted(4, 1);
      case 0xde: return counted(2, 2);
      case 0xdf: return counted(4, 2);
    } // prettier-ignore
    throw permanent('MESHLOG_DECODE_FAILED', { detail: `byte 0x${b.toString(16)} is not a msgpack type` });
  }

  #tooMany(what: string, limit: number): never {
    throw permanent('MESHLOG_LIMIT_EXCEEDED', { what, limit });
  }
}

/**
 * Frames a payload that is all in memory (a PackedForward entry stream, a Fluent Bit msgpack
 * body). `maxElements` bounds the whole payload here, since all of it is decoded at once.
 * Throws if it ends inside a message.
 */
export function frameAll(bytes: Uint8Array, limits: FrameLimits): Buffer[] {
  const framer = new MsgpackFramer(limits);
  framer.append(bytes);
  const out: Buffer[] = [];
  for (let m = framer.next(); m; m = framer.next()) {
    out.push(m);
    // Each message counts as an element too, so a stream of tiny messages is bounded as well.
    if (framer.claimedTotal + out.length > limits.maxElements)
      throw permanent('MESHLOG_LIMIT_EXCEEDED', { what: 'elements in one payload', limit: limits.maxElements });
  }
  if (framer.pendingBytes > 0)
    throw permanent('MESHLOG_DECODE_FAILED', {
      detail: `msgpack ends inside a message (${framer.pendingBytes} bytes)`,
    });
  return out;
}
