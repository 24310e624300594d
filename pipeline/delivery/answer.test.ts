import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../batch.ts';
import { forwardAcks, grpcAnswer, httpAnswer } from './answer.ts';

const delivered: Outcome = { status: 'delivered' };
const full: Outcome = {
  status: 'retryable',
  reason: 'queue x is full',
  code: 'MESHLOG_QUEUE_FULL',
  retryAfterMs: 1000,
};
const memory: Outcome = { status: 'retryable', reason: 'memory', code: 'MESHLOG_MEMORY_LIMIT' };
const esDown: Outcome = { status: 'retryable', reason: 'es is down', retryAfterMs: 2500 };
const mapping: Outcome = { status: 'rejected', reason: 'bad field', code: 'MESHLOG_MAPPING_REJECTED' };
const tooBig: Outcome = { status: 'rejected', reason: 'too big', code: 'MESHLOG_PAYLOAD_TOO_LARGE' };

describe('outcome → sender answer', () => {
  it('HTTP: delivered is left to the route, shedding load is 429, other retries 503, rejected 400/413', () => {
    expect(httpAnswer(delivered)).toBeUndefined();
    expect(httpAnswer(full)).toEqual({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: 'MESHLOG_QUEUE_FULL', message: 'queue x is full' },
    });
    expect(httpAnswer(memory)?.status).toBe(429);
    expect(httpAnswer(esDown)).toMatchObject({ status: 503, headers: { 'retry-after': '3' } });
    expect(httpAnswer(mapping)).toEqual({
      status: 400,
      headers: {},
      body: { error: 'MESHLOG_MAPPING_REJECTED', message: 'bad field' },
    });
    expect(httpAnswer(tooBig)?.status).toBe(413);
  });

  it('gRPC: RESOURCE_EXHAUSTED with RetryInfo when shedding load, UNAVAILABLE otherwise, INVALID_ARGUMENT for rejected', () => {
    expect(grpcAnswer(delivered)).toBeUndefined();
    const shed = grpcAnswer(full)!;
    expect(shed.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(shed.metadata?.get('grpc-status-details-bin')).toHaveLength(1);
    expect(grpcAnswer(esDown)).toEqual({ code: grpc.status.UNAVAILABLE, details: 'es is down' });
    expect(grpcAnswer(mapping)).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'bad field' });
  });

  it('Fluent forward: a chunk is acked only when delivered', () => {
    expect([delivered, full, esDown, mapping].map(forwardAcks)).toEqual([true, false, false, false]);
  });
});
