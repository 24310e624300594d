import { z } from 'zod';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createBatch, type Batch } from '../batch.ts';
import type { Consumer, Intake } from '../component.ts';
import { loadConfigText } from '../config/load.ts';
import { MemoryDeadLetterSink } from '../deadletter.ts';
import type { ExporterFactory, ProcessorFactory, ReceiverFactory } from '../factory.ts';
import { Metrics } from '../telemetry/metrics.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { Graph } from './graph.ts';
import { retainer } from './retain.ts';

/** Fake components that log lifecycle calls, so start/stop order can be checked. */
function fakes(log: string[]) {
  const feeds: Intake[] = [];
  const delivered: unknown[] = [];
  const receiver: ReceiverFactory = {
    kind: 'receiver',
    type: 'src',
    config: z.strictObject({}),
    create: (_c, ctx, next) => (
      feeds.push(next),
      {
        name: ctx.name,
        start: async () => void log.push(`start ${ctx.name}`),
        shutdown: async () => void log.push(`stop ${ctx.name}`),
      }
    ),
  };
  const processor: ProcessorFactory = {
    kind: 'processor',
    type: 'double',
    config: z.strictObject({}),
    create: (_c, ctx) => {
      let next: Consumer;
      return {
        name: ctx.name,
        connect: (n) => (next = n),
        start: async () => void log.push(`start ${ctx.name}`),
        shutdown: async () => void log.push(`stop ${ctx.name}`),
        consume: (b: Batch<unknown>) =>
          next.consume(
            createBatch(
              (b.records as number[]).map((x) => x * 2),
              b.ack,
            ),
          ),
      };
    },
  };
  const exporter: ExporterFactory = {
    kind: 'exporter',
    type: 'sink',
    config: z.strictObject({}),
    create: (_c, ctx) => ({
      name: ctx.name,
      start: async () => void log.push(`start ${ctx.name}`),
      shutdown: async () => void log.push(`stop ${ctx.name}`),
      consume: async (b: Batch<unknown>) => {
        await new Promise((r) => setTimeout(r, 5));
        delivered.push(...b.records);
        b.ack.settle({ status: 'delivered' });
      },
    }),
  };
  return { factories: [receiver, processor, exporter], feeds, delivered };
}

const CONFIG = `
receivers: { src: {} }
processors: { double: {} }
exporters: { sink/a: {}, sink/b: {} }
service:
  pipelines:
    p: { receivers: [src], processors: [double], exporters: [sink/a, sink/b] }
`;

describe('Graph', () => {
  it('starts downstream first, stops upstream first, and flushes what was accepted', async () => {
    const log: string[] = [];
    const { factories, feeds, delivered } = fakes(log);
    const loaded = loadConfigText(CONFIG, factories, {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const shared = {
      logger: pino({ level: 'silent' }),
      metrics: new Metrics(),
      deadLetters: new MemoryDeadLetterSink(),
      pool: undefined as unknown as WorkerPool,
      retain: retainer(),
    };
    const graph = new Graph(loaded.config, 'all', shared);
    await graph.start();
    expect(log).toEqual(['start sink/a', 'start sink/b', 'start p/double', 'start src']);

    const batch = createBatch([1, 2, 3]);
    await feeds[0].consume(batch);
    log.length = 0;
    await graph.stop();
    expect(log).toEqual(['stop src', 'stop p/double', 'stop sink/a', 'stop sink/b']);
    // Both exporters got the doubled records before stop returned, and the ack combined them.
    expect(delivered).toEqual([2, 4, 6, 2, 4, 6]);
    expect(await batch.ack.settled).toEqual({ status: 'delivered' });
  });

  it('refuses a mode no pipeline runs in', () => {
    const { factories } = fakes([]);
    const loaded = loadConfigText(CONFIG, factories, {});
    if (!loaded.ok) throw new Error('config');
    const shared = {
      logger: pino({ level: 'silent' }),
      metrics: new Metrics(),
      deadLetters: new MemoryDeadLetterSink(),
      pool: undefined as unknown as WorkerPool,
      retain: retainer(),
    };
    expect(() => new Graph(loaded.config, 'agent', shared)).toThrow(
      'no pipeline in service.pipelines runs in mode "agent"',
    );
  });

  it("lets a pipeline read another pipeline's output (pipeline:<name>), so records are processed once and branch", async () => {
    const log: string[] = [];
    const { factories, feeds, delivered } = fakes(log);
    const loaded = loadConfigText(
      `
receivers: { src: {} }
processors: { double: {} }
exporters: { sink/a: {}, sink/b: {} }
service:
  pipelines:
    first: { receivers: [src], processors: [double], exporters: [sink/a] }
    second: { receivers: ["pipeline:first"], processors: [double], exporters: [sink/b] }
`,
      factories,
      {},
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const shared = {
      logger: pino({ level: 'silent' }),
      metrics: new Metrics(),
      deadLetters: new MemoryDeadLetterSink(),
      pool: undefined as unknown as WorkerPool,
      retain: retainer(),
    };
    const graph = new Graph(loaded.config, 'all', shared);
    await graph.start();
    expect(feeds).toHaveLength(1); // one receiver instance, one intake
    await feeds[0].consume(createBatch([1, 2]));
    await graph.stop();
    // sink/a gets the records doubled once, sink/b doubled twice.
    expect([...delivered].sort((x, y) => (x as number) - (y as number))).toEqual([2, 4, 4, 8]);
  });

  it('refuses a pipeline that reads itself', () => {
    const { factories } = fakes([]);
    const r = loadConfigText(
      `
receivers: { src: {} }
exporters: { sink/a: {} }
service:
  pipelines:
    p: { receivers: ["pipeline:p"], exporters: [sink/a] }
`,
      factories,
      {},
    );
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues).toContainEqual({
        path: 'service.pipelines.p.receivers.0',
        message: '"p" is not another pipeline',
        value: 'pipeline:p',
      });
  });
});
