import { Client } from '@elastic/elasticsearch';
import { FluentClient } from '@fluent-org/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAOS_URL, chaos } from '../support/es-chaos.ts';
import { startMeshlog, type MeshlogProcess } from '../support/meshlog-process.ts';

/**
 * Acknowledgements end to end, with a real Fluent forward client and no join in the way
 * (forward → parse → Elasticsearch): a chunk is acked only once Elasticsearch has its records, or
 * once the records Elasticsearch refuses for good are in the dead letters.
 */
const FORWARD_PORT = 47224;
const prefix = `mlt-fwd-${Date.now().toString(36)}`;
const es = new Client({ node: CHAOS_URL });

/** An Istio 1.9+ text line of a call to `cart` with request id `id` at `time`. */
const line = (id: string, time: string) =>
  `[${time}] "GET /items/${id} HTTP/1.1" 200 - via_upstream - "-" 0 135 4 4 "-" "curl/8" "${id}" "cart:80" "10.44.1.27:80" outbound|80||cart.shop.svc.cluster.local 10.44.1.23:37652 10.0.45.184:80 10.44.1.23:46520 - default`;

/** Sends one chunk of `ids` and resolves true when meshlog acked it within `ackTimeoutMs`. */
async function sendChunk(ids: string[], time: string, ackTimeoutMs: number): Promise<boolean> {
  const client = new FluentClient('kube', {
    socket: { host: '127.0.0.1', port: FORWARD_PORT, timeout: ackTimeoutMs * 4 },
    eventMode: 'PackedForward',
    ack: { ackTimeout: ackTimeoutMs },
    flushInterval: 10,
  });
  try {
    await Promise.all(ids.map((id) => client.emit('istio-proxy', { log: line(id, time) })));
    return true;
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

async function hopIds(): Promise<string[]> {
  await es.indices.refresh({ index: `${prefix}-hops-*` });
  const res = await es.search<{ 'http.request.id': string }>({
    index: `${prefix}-hops-*`,
    size: 1000,
    query: { match_all: {} },
  });
  return res.hits.hits.map((h) => h._source!['http.request.id']);
}

let meshlog: MeshlogProcess;
beforeAll(async () => {
  await chaos('start');
  // Hops of 2019-01-01 land in an index where url.path must be a number: Elasticsearch refuses them for good.
  await es.indices.putIndexTemplate({
    name: `${prefix}-conflict`,
    index_patterns: [`${prefix}-hops-2019.01.01`],
    priority: 1000,
    template: { mappings: { properties: { 'url.path': { type: 'long' } } } },
  });
  meshlog = await startMeshlog(
    `
receivers:
  fluent_forward: { endpoint: 127.0.0.1:${FORWARD_PORT} }
processors:
  parse: { maxClockSkewMs: 0 }
exporters:
  elasticsearch:
    endpoints: [${CHAOS_URL}]
    prefix: ${prefix}
    appendOnly: alias
    batch: { flushMs: 20 }
    retry: { initialMs: 100, maxMs: 1000 }
    requestTimeoutMs: 3000
service:
  pipelines:
    hops: { receivers: [fluent_forward], processors: [parse], exporters: [elasticsearch] }`,
    47686,
  );
}, 300_000);
afterAll(async () => {
  await meshlog?.stop();
  await es.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
  await es.indices.deleteIndexTemplate({ name: `${prefix}-conflict` }).catch(() => undefined);
  await es.close();
  await chaos('start'); // leave the instance as the setup found it: running
});

describe('Fluent forward → parse → Elasticsearch, acknowledged end to end', () => {
  const now = () => new Date().toISOString();
  const ids = (tag: string) => Array.from({ length: 10 }, (_, i) => `${tag}-${i}`);

  it('acks a chunk once Elasticsearch has it; while Elasticsearch is down no ack comes, and a resent chunk arrives once', async () => {
    expect(await sendChunk(ids('before'), now(), 20_000)).toBe(true);
    expect((await hopIds()).filter((id) => id.startsWith('before-')).sort()).toEqual(ids('before').sort());

    await chaos('stop');
    const during = now();
    // Fluent Bit waits for the ack; none comes while the records cannot be written.
    expect(await sendChunk(ids('outage'), during, 3_000)).toBe(false);
    await chaos('start');
    // Fluent Bit sends an unacked chunk again: this time it is acked.
    expect(await sendChunk(ids('outage'), during, 60_000)).toBe(true);

    const got = await hopIds();
    // Every record once: the copy meshlog kept retrying and the resent one share their document ids.
    expect(got.filter((id) => id.startsWith('outage-')).sort()).toEqual(ids('outage').sort());
    expect(got.length).toBe(new Set(got).size);
  }, 180_000);

  it('acks a chunk Elasticsearch refuses for good once its records are in the dead letters, with the reason', async () => {
    expect(await sendChunk(ids('conflict'), '2019-01-01T00:00:00.000Z', 20_000)).toBe(true);
    await es.indices.refresh({ index: `${prefix}-deadletters*` });
    const dead = await es.search<{ reason: string; payload: string }>({
      index: `${prefix}-deadletters*`,
      size: 100,
    });
    const reasons = dead.hits.hits.map((h) => h._source!);
    expect(reasons).toHaveLength(10);
    for (const d of reasons) expect(d.reason).toMatch(/^hops\/conflict-\d:[0-9a-f]+: 400 document_parsing_exception/);
    expect((await hopIds()).some((id) => id.startsWith('conflict-'))).toBe(false);
  }, 120_000);
});
