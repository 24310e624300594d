import { worstOf, type Ack, type Outcome } from '../../pipeline/batch.ts';

/** One input batch waiting for the documents that contain its records. */
interface Hold {
  ack: Ack;
  remaining: number;
  outcomes: Outcome[];
}

/**
 * Holds input acknowledgements until every RequestDoc that contains their records is delivered
 * (`join.ackOn: delivered`): the Kafka source commits an offset only when its batch settles, so a
 * record held in the join holds back its partition's commit point, and a processor killed with
 * `kill -9` loses nothing: its successor replays from the last commit.
 */
export class AckHolds {
  readonly #byRequest = new Map<string, Hold[]>();

  get waiting(): number {
    return this.#byRequest.size;
  }

  /**
   * Registers one input batch. `held` are the request ids of its records that the join still
   * buffers; `emitted` are those that went out (or are going out) in `out`, the batch that also
   * carries any records it passed on unchanged (`passedOn`). Settles at once when nothing is held.
   */
  hold(ack: Ack, held: Iterable<string>, emittedNow: boolean, out: Ack | undefined): void {
    const hold: Hold = { ack, remaining: 0, outcomes: [] };
    for (const id of held) {
      hold.remaining++;
      const list = this.#byRequest.get(id);
      if (list) list.push(hold);
      else this.#byRequest.set(id, [hold]);
    }
    if (emittedNow && out) {
      hold.remaining++;
      void out.settled.then((o) => release(hold, o));
    }
    if (hold.remaining === 0) ack.settle({ status: 'delivered' });
  }

  /** The documents of `ids` went out in the batch acknowledged by `out`: their holds follow it. */
  emitted(ids: Iterable<string>, out: Ack): void {
    const holds: Hold[] = [];
    for (const id of ids) {
      const list = this.#byRequest.get(id);
      if (!list) continue;
      this.#byRequest.delete(id);
      holds.push(...list);
    }
    if (holds.length) void out.settled.then((o) => holds.forEach((h) => release(h, o)));
  }

  /** The requests `ids` were dropped, never to be emitted: their holds are released with `outcome`. */
  drop(ids: Iterable<string>, outcome: Outcome): void {
    for (const id of ids) {
      const list = this.#byRequest.get(id);
      if (!list) continue;
      this.#byRequest.delete(id);
      for (const h of list) release(h, outcome);
    }
  }
}

function release(hold: Hold, outcome: Outcome): void {
  hold.outcomes.push(outcome);
  if (--hold.remaining === 0) hold.ack.settle(worstOf(hold.outcomes));
}
