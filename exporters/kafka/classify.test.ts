import { describe, expect, it } from 'vitest';
import { KafkaSendError } from '../../pipeline/kafka/client.ts';
import { classifyProduce, classifyRequest, MAX_RECORD_BYTES } from './classify.ts';

const message = (bytes: number) => ({ key: null, value: Buffer.alloc(bytes) });

describe('classifyRequest', () => {
  it('lets a request of records Kafka can take go out', () => {
    expect(classifyRequest([message(10), message(MAX_RECORD_BYTES)])).toBeUndefined();
  });

  it('splits a request with a record over MAX_RECORD_BYTES, naming its size', () => {
    expect(classifyRequest([message(10), message(MAX_RECORD_BYTES + 1)])).toEqual({
      kind: 'split',
      reason: `record of ${MAX_RECORD_BYTES + 1} bytes exceeds ${MAX_RECORD_BYTES}`,
    });
  });
});

describe('classifyProduce', () => {
  it.each<[string, unknown, unknown]>([
    ['acknowledged', undefined, { kind: 'done' }],
    [
      'a broker that cannot be reached: retry',
      new KafkaSendError('Connection error: connect ECONNREFUSED', true),
      { kind: 'retry', reason: 'Connection error: connect ECONNREFUSED' },
    ],
    [
      'a send Kafka will never take: permanent',
      new KafkaSendError('The request included a message larger than the max', false),
      { kind: 'permanent', reason: 'The request included a message larger than the max' },
    ],
    ['an error of unknown kind: retry', new Error('socket hang up'), { kind: 'retry', reason: 'socket hang up' }],
  ])('%s', (_name, error, expected) => {
    expect(classifyProduce(error)).toEqual(expected);
  });
});
