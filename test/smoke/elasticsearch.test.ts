import { Client } from '@elastic/elasticsearch';
import { describe, expect, inject, it } from 'vitest';

describe('Elasticsearch smoke', () => {
  it('indexes a document and reads it back', async () => {
    const client = new Client({ node: inject('esUrl') });
    const index = `meshlog-smoke-${Date.now()}`;
    await client.index({ index, id: 'r1', document: { 'http.request.id': 'r1', status: 503 }, refresh: 'wait_for' });
    const got = await client.get<{ status: number }>({ index, id: 'r1' });
    expect(got._source).toEqual({ 'http.request.id': 'r1', status: 503 });
    const health = await client.cluster.health();
    expect(['green', 'yellow']).toContain(health.status);
    await client.indices.delete({ index });
    await client.close();
  });
});
