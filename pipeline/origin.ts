/**
 * Where a batch's records were read from, for a source that can hand its records to someone else:
 * a Kafka receiver gives each partition it is assigned one Origin, named
 * `<receiver id>:<topic>/<partition>`. The batch carries it on its ack (`new Ack(origin)`; `split`
 * passes it to the children, and processors pass the ack on), so a stateful processor knows where
 * each record it holds came from.
 *
 * When the source loses an origin (the partition moved to another group member, or the source
 * left the group to stop), the next owner reads the same records again from the last commit. Whatever a processor still holds from a lost
 * origin must then be dropped, not emitted: it would be a second, less complete copy.
 *
 * An Origin stands for one assignment, not for the partition: a partition that comes back gets a
 * new Origin, so a batch read before the loss (still queued in a channel) stays lost, and nobody
 * has to remember lost names.
 */
export class Origin {
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  /** True once the source declared it lost (`Origins.lost`); never false again. */
  get lost(): boolean {
    return LOST.has(this);
  }
}

const LOST = new WeakSet<Origin>();

/** Called with the origins just lost, after each of them reads `lost`. */
export type OriginsLostListener = (lost: readonly Origin[]) => void;

/**
 * The notice board of one component graph (`ComponentContext.origins`): sources declare the
 * origins they lost, stateful processors subscribe. A reload builds a new graph and a new board.
 */
export class Origins {
  readonly #listeners: OriginsLostListener[] = [];

  onLost(listener: OriginsLostListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Marks `origins` lost, then calls every listener synchronously, in subscription order. A
   * listener must not throw (it would break the source's rebalance); it only schedules its work.
   */
  lost(origins: readonly Origin[]): void {
    if (origins.length === 0) return;
    for (const o of origins) LOST.add(o);
    for (const fn of this.#listeners) fn(origins);
  }
}
