import type { BreakerPolicy } from './config.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface WindowSummary {
  calls: number;
  failures: number;
  slow: number;
  failureRate: number;
  slowRate: number;
}

export interface Transition {
  '@timestamp': string;
  edge: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  window: WindowSummary;
}

const NONE: readonly Transition[] = [];
const FAILED = 1;
const SLOW = 2;

interface Bucket {
  start: number;
  calls: number;
  failures: number;
  slow: number;
}

/**
 * One circuit breaker, driven by the calls seen on its edge in event time. It does not block
 * anything: it tells what a Hystrix- or resilience4j-configured client would have done, and when.
 * Closed: calls fill the window; with at least `minimumCalls`, a failure or slow rate at its
 * threshold opens it. Open: calls are ignored (a real breaker would reject them) until
 * `sleepWindowMs` has passed; the next call is a trial (half-open). Half-open: after
 * `halfOpenCalls` trials it closes if they are under the thresholds, otherwise it reopens for a
 * new sleep window.
 */
export class CircuitBreaker {
  readonly edge: string;
  readonly policy: BreakerPolicy;
  state: BreakerState = 'closed';
  #openedAt = 0;
  /** Time window: its buckets, oldest first. */
  #buckets: Bucket[] = [];
  /** Count window: the last calls, oldest first, as flags (FAILED | SLOW), with running totals. */
  #calls: number[] = [];
  #callFailures = 0;
  #callSlow = 0;
  #trials: Array<{ failed: boolean; slow: boolean }> = [];
  /** The highest failure rate seen with enough calls, for recommendations. */
  peakFailureRate = 0;

  constructor(edge: string, policy: BreakerPolicy) {
    this.edge = edge;
    this.policy = policy;
  }

  /** Records one call at event time `t` (ms); returns the transitions it caused (most calls: none, a shared empty list). */
  observe(t: number, failed: boolean, durationMs: number | null): readonly Transition[] {
    const slow = durationMs !== null && durationMs >= this.policy.slowCallDurationMs;
    let out: Transition[] | undefined;
    if (this.state === 'open') {
      if (t < this.#openedAt + this.policy.sleepWindowMs) return NONE;
      out = [
        this.#move(
          t,
          'half_open',
          `sleep window of ${this.policy.sleepWindowMs} ms over; trial call`,
          this.#summary([]),
        ),
      ];
      this.#trials = [];
    }
    if (this.state === 'half_open') {
      out ??= [];
      this.#trials.push({ failed, slow });
      if (this.#trials.length < this.policy.halfOpenCalls) return out;
      const s = this.#summary(this.#trials);
      if (this.#over(s.failureRate, s.slowRate)) {
        out.push(this.#move(t, 'open', `trial failed: ${describe(s)}`, s));
        this.#openedAt = t;
      } else {
        out.push(this.#move(t, 'closed', `trial succeeded: ${describe(s)}`, s));
        this.#buckets = [];
        this.#calls = [];
        this.#callFailures = 0;
        this.#callSlow = 0;
      }
      return out;
    }
    this.#record(t, failed, slow);
    // The window's totals, without a summary object unless the breaker opens.
    let calls: number;
    let failures: number;
    let slowCalls: number;
    if (this.policy.windowType === 'count') {
      calls = this.#calls.length;
      failures = this.#callFailures;
      slowCalls = this.#callSlow;
    } else {
      this.#expire(t);
      calls = 0;
      failures = 0;
      slowCalls = 0;
      for (const b of this.#buckets) {
        calls += b.calls;
        failures += b.failures;
        slowCalls += b.slow;
      }
    }
    if (calls < this.policy.minimumCalls) return out ?? NONE;
    const failureRate = calls ? failures / calls : 0;
    const slowRate = calls ? slowCalls / calls : 0;
    this.peakFailureRate = Math.max(this.peakFailureRate, failureRate);
    if (!this.#over(failureRate, slowRate)) return out ?? NONE;
    const s: WindowSummary = { calls, failures, slow: slowCalls, failureRate, slowRate };
    (out ??= []).push(
      this.#move(
        t,
        'open',
        `${describe(s)} over ${s.calls} calls (threshold ${this.policy.failureRateThreshold}%, volume ${this.policy.minimumCalls})`,
        s,
      ),
    );
    this.#openedAt = t;
    return out;
  }

  #over(failureRate: number, slowRate: number): boolean {
    return (
      failureRate * 100 >= this.policy.failureRateThreshold ||
      (Number.isFinite(this.policy.slowCallDurationMs) && slowRate * 100 >= this.policy.slowCallRateThreshold)
    );
  }

  #record(t: number, failed: boolean, slow: boolean): void {
    if (this.policy.windowType === 'count') {
      this.#calls.push((failed ? FAILED : 0) | (slow ? SLOW : 0));
      if (failed) this.#callFailures++;
      if (slow) this.#callSlow++;
      if (this.#calls.length > this.policy.windowCalls) {
        const gone = this.#calls.shift()!;
        if (gone & FAILED) this.#callFailures--;
        if (gone & SLOW) this.#callSlow--;
      }
      return;
    }
    const width = this.policy.windowMs / this.policy.buckets;
    const start = t - (t % width);
    let b = this.#buckets.at(-1);
    if (!b || b.start !== start) {
      b = this.#buckets.find((x) => x.start === start);
      if (!b) {
        b = { start, calls: 0, failures: 0, slow: 0 };
        this.#buckets.push(b);
        this.#buckets.sort((x, y) => x.start - y.start);
      }
    }
    b.calls++;
    if (failed) b.failures++;
    if (slow) b.slow++;
  }

  /** Drops the buckets that ended before the window reaching back from `t` (a prefix: they are in order). */
  #expire(t: number): void {
    const from = t - this.policy.windowMs;
    const width = this.policy.windowMs / this.policy.buckets;
    let n = 0;
    while (n < this.#buckets.length && !(this.#buckets[n].start + width > from)) n++;
    if (n > 0) this.#buckets.splice(0, n);
  }

  #summary(list: Array<{ failed: boolean; slow: boolean }>): WindowSummary {
    const calls = list.length;
    const failures = list.filter((c) => c.failed).length;
    const slow = list.filter((c) => c.slow).length;
    return { calls, failures, slow, failureRate: calls ? failures / calls : 0, slowRate: calls ? slow / calls : 0 };
  }

  #move(t: number, to: BreakerState, reason: string, window: WindowSummary): Transition {
    const from = this.state;
    this.state = to;
    return { '@timestamp': new Date(t).toISOString(), edge: this.edge, from, to, reason, window };
  }
}

function describe(s: WindowSummary): string {
  const parts = [`${Math.round(s.failureRate * 1000) / 10}% failed`];
  if (s.slow > 0) parts.push(`${Math.round(s.slowRate * 1000) / 10}% slow`);
  return parts.join(', ');
}
