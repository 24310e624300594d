/**
 * The commit point of one partition. Batches are added in fetch order; each settles later, in
 * any order. The commit point is one past the last offset of the longest run of settled batches
 * from the front, so an offset is committed only when every record at or below it is settled.
 * Offsets are int64 on the wire; as numbers they stay exact below 2^53, which no log reaches.
 */
export interface InFlight {
  readonly first: number;
  readonly last: number;
  readonly records: number;
  settled: boolean;
  /** Set when a rewind dropped this batch: it will be fetched again, its settlement is ignored. */
  dropped: boolean;
}

export class PartitionOffsets {
  #queue: InFlight[] = [];
  #head = 0;
  #commitPoint: number | undefined;
  #committed: number | undefined;
  #records = 0;

  /** Records added and not yet settled (or dropped). */
  get inFlightRecords(): number {
    return this.#records;
  }

  get pending(): number {
    return this.#queue.length - this.#head;
  }

  add(first: number, last: number, records: number): InFlight {
    const f: InFlight = { first, last, records, settled: false, dropped: false };
    this.#queue.push(f);
    this.#records += records;
    return f;
  }

  /** Marks a batch settled (delivered, or rejected and dead-lettered) and moves the commit point. */
  settle(f: InFlight): void {
    if (f.dropped || f.settled) return;
    f.settled = true;
    this.#records -= f.records;
    while (this.#head < this.#queue.length && this.#queue[this.#head].settled) {
      // After a rebalance the client may fetch a kept partition again from its committed offset,
      // so a replayed batch can settle behind a later one: the commit point never moves back.
      this.#commitPoint = Math.max(this.#commitPoint ?? 0, this.#queue[this.#head].last + 1);
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * A batch came back retryable: it and every batch fetched after it will be fetched again, so
   * they are dropped here. Returns the offset to seek to, or undefined when `f` was already
   * dropped by an earlier rewind (which seeks at or before it).
   */
  rewind(f: InFlight): number | undefined {
    if (f.dropped || f.settled) return undefined;
    let cut = this.#queue.length;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const g = this.#queue[i];
      if (g.first < f.first) continue;
      cut = Math.min(cut, i);
      if (!g.settled) this.#records -= g.records;
      g.dropped = true;
    }
    this.#queue = this.#queue.slice(this.#head, cut);
    this.#head = 0;
    return f.first;
  }

  /** The offset to commit if it moved since the last `committedUpTo`, else undefined. */
  toCommit(): number | undefined {
    return this.#commitPoint !== undefined && this.#commitPoint !== this.#committed ? this.#commitPoint : undefined;
  }

  committedUpTo(offset: number): void {
    this.#committed = offset;
  }
}
