import { describe, expect, it } from 'vitest';
import { breakerConfig, resolvePolicy } from './config.ts';
import { CircuitBreaker, type Transition } from './machine.ts';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');

/** Feeds calls (failed?) one every `stepMs`; returns all transitions. */
function feed(b: CircuitBreaker, calls: boolean[], startMs = T0, stepMs = 100, durationMs = 10): Transition[] {
  return calls.flatMap((failed, i) => b.observe(startMs + i * stepMs, failed, durationMs));
}
const hystrix = () => new CircuitBreaker('a → b /x', resolvePolicy(breakerConfig.parse({})));
const resilience4j = (options: Record<string, number>) =>
  new CircuitBreaker('e', resolvePolicy(breakerConfig.parse({ policy: 'resilience4j', ...options })));
const fails = (n: number) => Array.from({ length: n }, () => true);
const oks = (n: number) => Array.from({ length: n }, () => false);

describe('Hystrix-style breaker', () => {
  it('never opens below the request volume threshold, even at 100% errors', () => {
    const b = hystrix();
    expect(feed(b, fails(19))).toEqual([]);
    expect(b.state).toBe('closed');
  });

  it('opens at 50% or more errors over 20 or more requests', () => {
    const b = hystrix();
    const tr = feed(b, [...oks(10), ...fails(10)]);
    expect(tr).toHaveLength(1);
    expect(tr[0]).toMatchObject({
      from: 'closed',
      to: 'open',
      edge: 'a → b /x',
      window: { calls: 20, failures: 10, failureRate: 0.5 },
    });
    expect(tr[0].reason).toContain('50% failed over 20 calls');
  });

  it('stays closed at 45% errors, and forgets calls older than the 10 s window', () => {
    const b = hystrix();
    expect(feed(b, [...oks(11), ...fails(9)])).toEqual([]);
    // 9 failures 10+ s ago no longer count.
    expect(feed(b, [...fails(5), ...oks(15)], T0 + 20_000)).toEqual([]);
  });

  it('half-opens after the 5 s sleep window, and a successful trial closes it', () => {
    const b = hystrix();
    feed(b, fails(20));
    expect(b.state).toBe('open');
    expect(b.observe(T0 + 1900 + 4000, false, 10)).toEqual([]); // still sleeping: ignored
    const tr = b.observe(T0 + 1900 + 5000, false, 10);
    expect(tr.map((t) => [t.from, t.to])).toEqual([
      ['open', 'half_open'],
      ['half_open', 'closed'],
    ]);
    expect(b.state).toBe('closed');
  });

  it('a failed trial reopens it for a new sleep window', () => {
    const b = hystrix();
    feed(b, fails(20));
    const opened = T0 + 1900;
    const tr = b.observe(opened + 5000, true, 10);
    expect(tr.map((t) => [t.from, t.to])).toEqual([
      ['open', 'half_open'],
      ['half_open', 'open'],
    ]);
    expect(b.observe(opened + 5000 + 4999, false, 10)).toEqual([]);
    expect(b.observe(opened + 10_000, false, 10).map((t) => t.to)).toEqual(['half_open', 'closed']);
  });
});

describe('resilience4j-style options', () => {
  it('uses a count window, a minimum number of calls and several half-open trials', () => {
    const b = resilience4j({
      windowCalls: 10,
      minimumCalls: 10,
      sleepWindowMs: 1000,
      halfOpenCalls: 3,
    });
    expect(feed(b, [...oks(5), ...fails(4)])).toEqual([]); // 9 calls: under the minimum
    expect(feed(b, fails(1), T0 + 1000).map((t) => t.to)).toEqual(['open']); // 5 of 10 failed
    const later = T0 + 5000;
    expect(b.observe(later, false, 10).map((t) => t.to)).toEqual(['half_open']);
    expect(b.observe(later + 1, true, 10)).toEqual([]);
    expect(b.observe(later + 2, true, 10).map((t) => t.to)).toEqual(['open']); // 2 of 3 trials failed
  });

  it('a count window forgets the calls that slid out of it, failures and slow calls alike', () => {
    const b = resilience4j({
      windowCalls: 10,
      minimumCalls: 10,
      slowCallDurationMs: 500,
      slowCallRateThreshold: 50,
    });
    // 4 failed, 4 slow: at most 40% each while they are in the window, then gone.
    expect(feed(b, fails(4))).toEqual([]);
    expect(feed(b, oks(4), T0 + 1000, 100, 800)).toEqual([]);
    expect(feed(b, oks(10), T0 + 2000)).toEqual([]);
    const tr = feed(b, fails(5), T0 + 3000);
    expect(tr.map((t) => t.to)).toEqual(['open']); // the last 10: 5 ok, 5 failed
    expect(tr[0]['@timestamp']).toBe(new Date(T0 + 3400).toISOString()); // at the 5th failure, not before
    expect(tr[0].reason).toBe('50% failed over 10 calls (threshold 50%, volume 10)');
    expect(tr[0].window).toEqual({ calls: 10, failures: 5, slow: 0, failureRate: 0.5, slowRate: 0 });
  });

  it('opens on slow calls when a slow-call threshold is set', () => {
    const b = resilience4j({
      windowCalls: 10,
      minimumCalls: 10,
      slowCallDurationMs: 500,
      slowCallRateThreshold: 60,
    });
    const tr = feed(b, oks(10), T0, 10, 800);
    expect(tr.map((t) => t.to)).toEqual(['open']);
    expect(tr[0].reason).toContain('100% slow');
  });
});
