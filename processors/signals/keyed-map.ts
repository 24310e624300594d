/**
 * Maps on two or four string keys, each a level of nested Maps: a lookup hashes the record's own
 * field strings (V8 keeps a string's hash once computed) instead of first joining them into one
 * new key string, which is a concatenation, then a flattening and a hash, per record.
 */
export class Map2<V> {
  readonly #root = new Map<string, Map<string, V>>();

  get(a: string, b: string): V | undefined {
    return this.#root.get(a)?.get(b);
  }

  set(a: string, b: string, v: V): void {
    let m = this.#root.get(a);
    if (!m) this.#root.set(a, (m = new Map()));
    m.set(b, v);
  }

  clear(): void {
    this.#root.clear();
  }
}

export class Map4<V> {
  readonly #root = new Map<string, Map2<Map<string, V>>>();

  get(a: string, b: string, c: string, d: string): V | undefined {
    return this.#root.get(a)?.get(b, c)?.get(d);
  }

  set(a: string, b: string, c: string, d: string, v: V): void {
    let m = this.#root.get(a);
    if (!m) this.#root.set(a, (m = new Map2()));
    let n = m.get(b, c);
    if (!n) m.set(b, c, (n = new Map()));
    n.set(d, v);
  }

  clear(): void {
    this.#root.clear();
  }
}
