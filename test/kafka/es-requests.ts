import { Client } from '@elastic/elasticsearch';
import type { MeshRequest } from './mesh-requests.ts';
import { sleep } from './support.ts';

interface StoredDoc {
  'http.request.id': string;
  'mesh.hops': Array<{ direction: string; span_id?: string }>;
  spans: Array<{ 'span.id': string }>;
}

/** What Elasticsearch holds against what was sent; a few ids of each problem name it. */
export interface RequestDocsReport {
  /** RequestDocs stored: a replay overwrites its document (the id is the request id), so one per request. */
  documents: number;
  /** Distinct request ids among them. */
  requests: number;
  missing: { count: number; some: string[] };
  unexpected: { count: number; some: string[] };
  /** Stored with another number of hops than the request had (checked with `whole`). */
  wrongHops?: { count: number; some: string[] };
  /** Without exactly the request's client span, attached to its outbound hop (checked with `whole`). */
  wrongSpan?: { count: number; some: string[] };
}

/**
 * `count`: each request has exactly one RequestDoc; `whole`: and it holds all the request's hops
 * and its span.
 */
export type Check = 'count' | 'whole';

const few = (ids: string[]) => ({ count: ids.length, some: ids.slice(0, 5) });

/** The report when all `n` requests arrived once (and whole). */
export const allThere = (n: number, check: Check = 'whole'): RequestDocsReport => ({
  documents: n,
  requests: n,
  missing: few([]),
  unexpected: few([]),
  ...(check === 'whole' ? { wrongHops: few([]), wrongSpan: few([]) } : {}),
});

/** The RequestDocs a test's processors write to the real Elasticsearch under `prefix`. */
export class EsRequests {
  readonly prefix: string;
  readonly #client: Client;

  constructor(url: string, name: string) {
    this.prefix = `mlt-kafka-${name}-${Date.now().toString(36)}`;
    this.#client = new Client({ node: url });
  }

  /** Every stored RequestDoc (a refresh first, so what was acknowledged is searchable). */
  async #docs(): Promise<StoredDoc[]> {
    const index = `${this.prefix}-requests`;
    if (!(await this.#client.indices.exists({ index }))) return [];
    await this.#client.indices.refresh({ index });
    const out: StoredDoc[] = [];
    const fields = ['http.request.id', 'mesh.hops', 'spans'];
    let res = await this.#client.search<StoredDoc>({ index, size: 5000, _source: fields, scroll: '30s' });
    while (res.hits.hits.length) {
      out.push(...res.hits.hits.map((h) => h._source!));
      res = await this.#client.scroll<StoredDoc>({ scroll_id: res._scroll_id!, scroll: '30s' });
    }
    if (res._scroll_id) await this.#client.clearScroll({ scroll_id: res._scroll_id });
    return out;
  }

  async report(expected: MeshRequest[], check: Check = 'whole'): Promise<RequestDocsReport> {
    const docs = await this.#docs();
    const byId = new Map(docs.map((d) => [d['http.request.id'], d]));
    const sent = new Map(expected.map((r) => [r.id, r]));
    const wrongSpan = (d: StoredDoc, r: MeshRequest) => {
      const outbound = d['mesh.hops'].find((h) => h.direction === 'outbound');
      return d.spans.length !== 1 || d.spans[0]['span.id'] !== r.span.spanId || outbound?.span_id !== r.span.spanId;
    };
    const present = expected.filter((r) => byId.has(r.id));
    const report: RequestDocsReport = {
      documents: docs.length,
      requests: byId.size,
      missing: few(expected.filter((r) => !byId.has(r.id)).map((r) => r.id)),
      unexpected: few([...byId.keys()].filter((id) => !sent.has(id))),
    };
    if (check === 'count') return report;
    report.wrongHops = few(present.filter((r) => byId.get(r.id)!['mesh.hops'].length !== r.hops).map((r) => r.id));
    report.wrongSpan = few(present.filter((r) => wrongSpan(byId.get(r.id)!, r)).map((r) => r.id));
    return report;
  }

  /** RequestDocs stored (after a refresh). */
  async count(): Promise<number> {
    const index = `${this.prefix}-requests`;
    if (!(await this.#client.indices.exists({ index }))) return 0;
    await this.#client.indices.refresh({ index });
    return (await this.#client.count({ index })).count;
  }

  /**
   * Polls until every request is stored once (and whole, with the `whole` check), or `ms` passes;
   * returns the last report, for the test to compare with `allThere` (the diff names what is
   * missing or wrong).
   */
  async waitForAll(expected: MeshRequest[], ms: number, check: Check = 'whole'): Promise<RequestDocsReport> {
    const end = Date.now() + ms;
    const want = JSON.stringify(allThere(expected.length, check));
    for (;;) {
      // The whole report reads every document: only worth it once the count is there.
      if ((await this.count()) >= expected.length || Date.now() >= end) {
        const report = await this.report(expected, check);
        if (JSON.stringify(report) === want || Date.now() >= end) return report;
      }
      await sleep(1000);
    }
  }

  /** Polls until at least `n` RequestDocs are stored (the stream is flowing), or fails after `ms`. */
  async waitForSome(n: number, ms: number): Promise<void> {
    const end = Date.now() + ms;
    let count = await this.count();
    while (count < n) {
      if (Date.now() > end)
        throw new Error(`only ${count} RequestDocs reached Elasticsearch in ${ms} ms, expected ${n}`);
      await sleep(500);
      count = await this.count();
    }
  }

  /** Deletes this run's indices and index templates. */
  async remove(): Promise<void> {
    await this.#client.indices.delete({ index: `${this.prefix}-*`, expand_wildcards: 'all' }).catch(() => undefined);
    await this.#client.indices.deleteIndexTemplate({ name: `${this.prefix}-*` }).catch(() => undefined);
    await this.#client.close();
  }
}
