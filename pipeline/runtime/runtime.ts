import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAdminServer, listen } from '../admin/server.ts';
import type { MeshlogConfig } from '../config/load.ts';
import type { Mode } from '../config/service.ts';
import { FileDeadLetterSink } from '../deadletter.ts';
import { Metrics } from '../telemetry/metrics.ts';
import { WorkerPool } from '../workers/pool.ts';
import { Graph } from './graph.ts';
import { retainer } from './retain.ts';

/**
 * One meshlog process: the admin server, the worker pool, the dead-letter sink and the current
 * component graph. `reload` swaps the graph without losing data: the old graph is drained and
 * flushed before the new one starts (senders see a short refusal and retry, as they do for any
 * restart; nothing they had handed over is dropped). If the new graph cannot start, the old
 * config is started again, so either the whole new graph serves or the old one does.
 */
export class Runtime {
  readonly metrics = new Metrics();
  readonly logger: Logger;
  readonly mode: Mode;
  readonly admin: FastifyInstance;
  #config: MeshlogConfig;
  #pool: WorkerPool;
  #deadLetters: FileDeadLetterSink;
  #graph: Graph | undefined;
  /** False once neither the new nor the old config could be started: liveness then fails. */
  #healthy = true;
  readonly #retain = retainer();
  readonly #mounted = new Set<string>();
  #stopped: Promise<void> | undefined;

  constructor(config: MeshlogConfig, mode: Mode, logger: Logger) {
    this.#config = config;
    this.mode = mode;
    this.logger = logger;
    this.#pool = new WorkerPool(config.service.workers, this.metrics);
    this.#deadLetters = new FileDeadLetterSink(config.service.deadLetter.path, this.metrics);
    this.admin = createAdminServer(
      this.metrics,
      { isReady: () => this.#graph?.started ?? false, isHealthy: () => this.#healthy },
      config.service.admin,
    );
  }

  get config(): MeshlogConfig {
    return this.#config;
  }

  get graph(): Graph | undefined {
    return this.#graph;
  }

  /** Builds the graph, mounts the admin routes its components offer, then listens and starts. */
  async start(): Promise<void> {
    const graph = await this.#build(this.#config);
    for (const c of graph.components) {
      if (!c.mountAdmin) continue;
      c.mountAdmin(this.admin);
      this.#mounted.add(c.name);
    }
    await listen(this.admin, this.#config.service.admin.endpoint);
    await this.#start(graph);
    this.logger.info(
      { mode: this.mode, admin: this.#config.service.admin.endpoint, components: graph.components.map((c) => c.name) },
      'meshlog started',
    );
  }

  /** Imports the modules of the component types the config uses, then builds the graph. */
  async #build(config: MeshlogConfig): Promise<Graph> {
    const used = [...config.receivers.values(), ...config.processors.values(), ...config.exporters.values()];
    await Promise.all(used.map((r) => r.factory.load?.()));
    return new Graph(config, this.mode, {
      logger: this.logger,
      metrics: this.metrics,
      deadLetters: this.#deadLetters,
      pool: this.#pool,
      retain: this.#retain,
    });
  }

  async #start(graph: Graph): Promise<void> {
    this.#graph = graph;
    try {
      await graph.start();
    } catch (err) {
      await graph.stop();
      throw err;
    }
  }

  /**
   * Applies a new config. Admin endpoint and worker settings need a restart; they are kept, and so
   * are the admin routes mounted at start (a component id that is new in this config and offers
   * routes is started without them, with a warning). If the new graph fails to start, the old
   * config is started again and the error is thrown; if that fails too, liveness fails.
   */
  async reload(config: MeshlogConfig): Promise<void> {
    const next = {
      ...config,
      service: { ...config.service, admin: this.#config.service.admin, workers: this.#config.service.workers },
    };
    const graph = await this.#build(next); // a config that cannot be built is refused before anything stops
    for (const c of graph.components)
      if (c.mountAdmin && !this.#mounted.has(c.name))
        this.logger.warn({ component: c.name }, 'its admin routes are mounted only at start; restart to serve them');
    await this.#graph?.stop();
    try {
      await this.#start(graph);
    } catch (err) {
      this.logger.error({ err }, 'the new config failed to start; starting the previous one again');
      try {
        await this.#start(await this.#build(this.#config));
      } catch (again) {
        this.#healthy = false;
        this.logger.fatal({ err: again }, 'the previous config failed to start too; no pipeline is running');
      }
      throw err;
    }
    this.#config = next;
    this.logger.info({ components: graph.components.map((c) => c.name) }, 'config reloaded');
  }

  /** Idempotent. Drains the graph, then closes the pool, the dead-letter sink and the admin server. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#graph?.stop();
      await this.#pool.close();
      await this.#deadLetters.close();
      await this.admin.close();
    })();
    return this.#stopped;
  }
}
