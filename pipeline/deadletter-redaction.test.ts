import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeadLetterRedactor, REDACTED } from './deadletter-redaction.ts';
import { MemoryDeadLetterSink } from './deadletter.ts';

const KEY = Buffer.from('k');
const r = new DeadLetterRedactor(['X-User', 'authorization'], KEY);

describe('dead-letter redaction', () => {
  it('replaces the values of redacted keys at any depth and in any case in JSON', () => {
    const out = r.scrub(
      JSON.stringify({
        'x-user': 'alice',
        req: { Authorization: 'Bearer s3cret', 'http.request.header.x-user': 'bob' },
      }),
    );
    expect(out.redacted).toBe('fields');
    expect(JSON.parse(out.payload)).toEqual({
      'x-user': REDACTED,
      req: { Authorization: REDACTED, 'http.request.header.x-user': REDACTED },
    });
  });

  it('redacts key=value text inside JSON strings', () => {
    const out = r.scrub(JSON.stringify({ log: 'GET / x-user=alice authorization: "Bearer s3cret" ok' }));
    expect(out.payload).not.toContain('alice');
    expect(out.payload).not.toContain('s3cret');
  });

  it('keeps a keyed hash of a line whose layout it cannot read, never the line', () => {
    const line = '[2024-01-01T00:00:00Z] "GET /" 5x3 "alice" "Bearer s3cret"';
    const out = r.scrub(line);
    expect(out).toEqual({
      payload: `hmac-sha256:${createHmac('sha256', KEY).update(line).digest('hex')} (${line.length} bytes)`,
      redacted: 'hashed',
    });
  });

  it('is applied by the sink to every payload once registered', () => {
    const sink = new MemoryDeadLetterSink();
    sink.write({ component: 'parse', code: 'X', reason: 'before', payload: 'alice' });
    sink.redactWith('labels', r);
    sink.write({ component: 'parse', code: 'X', reason: 'after', payload: 'alice' });
    sink.write({ component: 'parse', code: 'X', reason: 'binary', payload: new Uint8Array([0xff, 0xfe]) });
    expect(sink.entries.map((e) => [e.payload.includes('alice'), e.redacted])).toEqual([
      [true, undefined],
      [false, 'hashed'],
      [false, 'hashed'],
    ]);
  });
});
