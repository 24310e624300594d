/** A binary min-heap of (due time, item): the join's schedule of when each request may be emitted. */
export class DueHeap<T> {
  #due: number[] = [];
  #items: T[] = [];

  get size(): number {
    return this.#due.length;
  }

  push(due: number, item: T): void {
    const d = this.#due;
    const it = this.#items;
    let i = d.length;
    d.push(due);
    it.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (d[p] <= due) break;
      d[i] = d[p];
      it[i] = it[p];
      i = p;
    }
    d[i] = due;
    it[i] = item;
  }

  peekDue(): number {
    return this.#due.length ? this.#due[0] : Infinity;
  }

  pop(): T | undefined {
    const d = this.#due;
    const it = this.#items;
    if (d.length === 0) return undefined;
    const top = it[0];
    const lastDue = d.pop()!;
    const lastItem = it.pop()!;
    if (d.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= d.length) break;
        const r = l + 1;
        const c = r < d.length && d[r] < d[l] ? r : l;
        if (d[c] >= lastDue) break;
        d[i] = d[c];
        it[i] = it[c];
        i = c;
      }
      d[i] = lastDue;
      it[i] = lastItem;
    }
    return top;
  }
}
