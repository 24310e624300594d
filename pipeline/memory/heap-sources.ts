/** Reads the live bytes of isolates other than the main thread's (worker threads), asynchronously. */
export type HeapSource = () => Promise<number>;

/**
 * The isolates the memory limiter counts besides the main thread. The worker pool adds its
 * threads here (pipeline/ may not import components, and the limiter must not know the pool).
 */
export class HeapSources {
  readonly #sources = new Set<HeapSource>();

  /** Adds a source; returns the function that removes it (call it when its threads are gone). */
  add(source: HeapSource): () => void {
    this.#sources.add(source);
    return () => void this.#sources.delete(source);
  }

  /** The sum over every source, in bytes; a source that fails counts 0. */
  async liveBytes(): Promise<number> {
    const all = await Promise.allSettled([...this.#sources].map((read) => read()));
    return all.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value : 0), 0);
  }
}

/** The process's sources: the worker pool's threads. */
export const processHeapSources = new HeapSources();
