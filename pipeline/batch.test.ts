import { describe, expect, it } from 'vitest';
import { Ack } from './batch.ts';

describe('Ack', () => {
  it('settles once; later outcomes are ignored', async () => {
    const ack = new Ack();
    ack.settle({ status: 'delivered' });
    ack.settle({ status: 'rejected', reason: 'x', code: 'MESHLOG_PARSE_FAILED' });
    expect(await ack.settled).toEqual({ status: 'delivered' });
  });

  it('combines split children into the worst outcome', async () => {
    const ack = new Ack();
    const [a, b, c] = ack.split(3);
    a.settle({ status: 'delivered' });
    b.settle({ status: 'retryable', reason: 'es down' });
    expect(ack.outcome).toBeUndefined();
    c.settle({ status: 'delivered' });
    expect(await ack.settled).toEqual({ status: 'retryable', reason: 'es down' });
  });

  it('prefers rejected over retryable', async () => {
    const ack = new Ack();
    const [a, b] = ack.split(2);
    b.settle({ status: 'retryable', reason: 'r' });
    a.settle({ status: 'rejected', reason: 'mapping', code: 'MESHLOG_MAPPING_REJECTED' });
    expect((await ack.settled).status).toBe('rejected');
  });
});
