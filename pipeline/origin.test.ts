import { describe, expect, it } from 'vitest';
import { Ack, createBatch, type Batch } from './batch.ts';
import { Origin, Origins } from './origin.ts';
import { Fanout } from './runtime/fanout.ts';
import { CaptureIntake } from './testing/capture.ts';

/** Remembers the origin of every batch it is given. */
class OriginProbe extends CaptureIntake {
  readonly origins: Array<Origin | undefined> = [];
  override consume(batch: Batch<unknown>): Promise<void> {
    this.origins.push(batch.ack.origin);
    return super.consume(batch);
  }
}

describe('origins', () => {
  it('marks the lost origins before telling each listener, in subscription order', () => {
    const origins = new Origins();
    const a = new Origin('kafka:t/0');
    const b = new Origin('kafka:t/1');
    const heard: string[] = [];
    origins.onLost((lost) => heard.push(`first ${lost.map((o) => `${o.name}=${o.lost}`).join(' ')}`));
    origins.onLost((lost) => heard.push(`second ${lost.map((o) => o.name).join(' ')}`));
    origins.lost([a]);
    expect(heard).toEqual(['first kafka:t/0=true', 'second kafka:t/0']);
    expect([a.lost, b.lost]).toEqual([true, false]);
  });

  it('does not call the listeners when nothing was lost', () => {
    const origins = new Origins();
    let calls = 0;
    origins.onLost(() => calls++);
    origins.lost([]);
    expect(calls).toBe(0);
  });

  it('a partition that comes back is a new origin: it is not lost, the old one stays lost', () => {
    const origins = new Origins();
    const before = new Origin('kafka:t/0');
    origins.lost([before]);
    const again = new Origin('kafka:t/0');
    expect([before.lost, again.lost]).toEqual([true, false]);
  });

  it('an ack keeps its origin through split and through a fan-out to two pipelines', async () => {
    const origin = new Origin('kafka:t/3');
    expect(new Ack(origin).split(2).map((c) => c.origin)).toEqual([origin, origin]);
    const a = new OriginProbe();
    const b = new OriginProbe();
    const ack = new Ack(origin);
    await new Fanout([a, b]).consume(createBatch([{ n: 1 }], ack));
    expect([...a.origins, ...b.origins]).toEqual([origin, origin]);
    expect(await ack.settled).toEqual({ status: 'delivered' });
    expect(new Ack().origin).toBeUndefined();
  });
});
