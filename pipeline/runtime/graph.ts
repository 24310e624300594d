import type { Logger } from 'pino';
import { BoundedChannel } from '../channel.ts';
import type { Component, ComponentContext, Exporter, Intake, Processor, Receiver } from '../component.ts';
import type { MeshlogConfig } from '../config/load.ts';
import type { Mode } from '../config/service.ts';
import type { DeadLetterSink } from '../deadletter.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { Fanout } from './fanout.ts';

interface Shared {
  logger: Logger;
  metrics: Metrics;
  deadLetters: DeadLetterSink;
  pool: WorkerPool;
}

/** A stage is a component with the bounded channel that feeds it (receivers have none). */
interface Stage {
  component: Component;
  channel?: BoundedChannel<unknown>;
}

/**
 * The running component graph for one config and mode. Built once; a reload builds a new one.
 * Start order is exporters → processors → receivers; stop order is the reverse, and each
 * channel is drained before the component behind it is shut down, so stopping flushes.
 */
export class Graph {
  readonly receivers: Stage[] = [];
  readonly processors: Stage[] = [];
  readonly exporters: Stage[] = [];
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(config: MeshlogConfig, mode: Mode, shared: Shared) {
    const ctx = (name: string): ComponentContext => ({ ...shared, name, logger: shared.logger.child({ component: name }) });
    const capacity = config.service.queueCapacity;
    const channel = (name: string, target: Intake | Exporter | Processor) => {
      shared.metrics.queueCapacity.set({ channel: name }, capacity);
      return new BoundedChannel<unknown>({ name, capacity, target, onDepth: (d) => shared.metrics.queueDepth.set({ channel: name }, d) });
    };

    const pipelines = Object.entries(config.service.pipelines).filter(([, p]) => p.modes.includes(mode));
    if (pipelines.length === 0) throw new Error(`no pipeline in service.pipelines runs in mode "${mode}"`);

    const exporterChannels = new Map<string, BoundedChannel<unknown>>();
    const receiverTargets = new Map<string, Intake[]>();
    for (const [name, p] of pipelines) {
      const sinks = p.exporters.map((id) => {
        let ch = exporterChannels.get(id);
        if (!ch) {
          const r = config.exporters.get(id)!;
          const exporter = r.factory.create(r.config, ctx(id));
          ch = channel(`exporter/${id}`, exporter);
          exporterChannels.set(id, ch);
          this.exporters.push({ component: exporter, channel: ch });
        }
        return ch;
      });
      let next: Intake = new Fanout(sinks);
      // Processors are built back to front so each can be connected to the stage after it.
      for (const id of [...p.processors].reverse()) {
        const r = config.processors.get(id)!;
        const processor = r.factory.create(r.config, ctx(`${name}/${id}`));
        processor.connect(next);
        const ch = channel(`pipeline/${name}/${id}`, processor);
        this.processors.unshift({ component: processor, channel: ch });
        next = ch;
      }
      for (const id of p.receivers) {
        const list = receiverTargets.get(id) ?? [];
        list.push(next);
        receiverTargets.set(id, list);
      }
    }
    for (const [id, targets] of receiverTargets) {
      const r = config.receivers.get(id)!;
      const receiver: Receiver = r.factory.create(r.config, ctx(id), new Fanout(targets));
      this.receivers.push({ component: receiver });
    }
  }

  get components(): Component[] {
    return [...this.exporters, ...this.processors, ...this.receivers].map((s) => s.component);
  }

  get started(): boolean {
    return this.#started;
  }

  async start(): Promise<void> {
    for (const stage of [...this.exporters, ...[...this.processors].reverse(), ...this.receivers]) {
      await stage.component.start();
    }
    this.#started = true;
  }

  /** Idempotent; resolves when everything accepted has been flushed to the exporters. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#started = false;
    await Promise.all(this.receivers.map((s) => s.component.shutdown()));
    for (const stage of [...this.processors, ...this.exporters]) {
      await stage.channel?.close();
      await stage.component.shutdown();
    }
  }
}
