import type { Logger } from 'pino';
import { BoundedChannel } from '../channel.ts';
import type { Component, ComponentContext, Exporter, Intake, Processor, Receiver } from '../component.ts';
import type { MeshlogConfig } from '../config/load.ts';
import type { Mode } from '../config/service.ts';
import type { DeadLetterSink } from '../deadletter.ts';
import { Origins } from '../origin.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { CopyingIntake } from './copying-intake.ts';
import { Fanout } from './fanout.ts';

interface Shared {
  logger: Logger;
  metrics: Metrics;
  deadLetters: DeadLetterSink;
  pool: WorkerPool;
  retain<T>(key: string, create: () => T): T;
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
    // Per graph: a reload's new receivers and processors must not hear the old graph's losses.
    const origins = new Origins();
    const ctx = (name: string): ComponentContext => ({
      ...shared,
      origins,
      name,
      logger: shared.logger.child({ component: name }),
    });
    const capacity = config.service.queueCapacity;
    const channel = (name: string, target: Intake | Exporter | Processor) => {
      shared.metrics.queueCapacity.set({ channel: name }, capacity);
      return new BoundedChannel<unknown>({
        name,
        capacity,
        target,
        onDepth: (d) => shared.metrics.queueDepth.set({ channel: name }, d),
        deadLetters: shared.deadLetters,
      });
    };

    const pipelines = Object.entries(config.service.pipelines).filter(([, p]) => p.modes.includes(mode));
    if (pipelines.length === 0) throw new Error(`no pipeline in service.pipelines runs in mode "${mode}"`);

    // A pipeline may read another's output (`receivers: [pipeline:<name>]`), so dependents are
    // built first: their heads become extra sinks of the pipeline they read from.
    const readers = new Map<string, string[]>();
    for (const [name, p] of pipelines) {
      for (const id of p.receivers)
        if (id.startsWith('pipeline:')) readers.set(id.slice(9), [...(readers.get(id.slice(9)) ?? []), name]);
    }
    const heads = new Map<string, Intake>();
    const exporterChannels = new Map<string, BoundedChannel<unknown>>();
    const receiverTargets = new Map<string, Intake[]>();
    const building = new Set<string>();
    // Records behind a fan-out are shared; a head that changes them gets its own copy.
    const mutating = new Set<Intake>();
    const ownCopies = (targets: Intake[]): Intake[] =>
      targets.length < 2 ? targets : targets.map((t) => (mutating.has(t) ? new CopyingIntake(t) : t));
    const build = (name: string): Intake => {
      const done = heads.get(name);
      if (done) return done;
      if (building.has(name))
        throw new Error(`service.pipelines: pipeline "${name}" reads its own output (a cycle through pipeline:)`);
      building.add(name);
      const p = config.service.pipelines[name];
      if (!p?.modes.includes(mode))
        throw new Error(`service.pipelines.${name} is read by another pipeline but does not run in mode "${mode}"`);
      const sinks: Intake[] = p.exporters.map((id) => {
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
      for (const reader of readers.get(name) ?? []) sinks.push(build(reader));
      let next: Intake = new Fanout(ownCopies(sinks));
      // Processors are built back to front so each can be connected to the stage after it.
      for (const id of [...p.processors].reverse()) {
        const r = config.processors.get(id)!;
        const processor = r.factory.create(r.config, ctx(`${name}/${id}`));
        processor.connect(next);
        const ch = channel(`pipeline/${name}/${id}`, processor);
        this.processors.unshift({ component: processor, channel: ch });
        next = ch;
        if (processor.mutates) mutating.add(ch);
      }
      heads.set(name, next);
      return next;
    };
    for (const [name, p] of pipelines) {
      const head = build(name);
      for (const id of p.receivers) {
        if (id.startsWith('pipeline:')) continue;
        receiverTargets.set(id, [...(receiverTargets.get(id) ?? []), head]);
      }
    }
    for (const [id, targets] of receiverTargets) {
      const r = config.receivers.get(id)!;
      const receiver: Receiver = r.factory.create(r.config, ctx(id), new Fanout(ownCopies(targets)));
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
