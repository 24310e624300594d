import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAdminServer, listen } from '../admin/server.ts';
import type { MeshlogConfig } from '../config/load.ts';
import type { Mode } from '../config/service.ts';
import { FileDeadLetterSink } from '../deadletter.ts';
import { Metrics } from '../telemetry/metrics.ts';
import { WorkerPool } from '../workers/pool.ts';
import { Graph } from './graph.ts';
import { SignalsHub } from '../../exporters/signals_api/hub.ts';
import { registerSignalsApi } from '../../exporters/signals_api/api.ts';
import { signalsConfig } from '../../exporters/signals_api/config.ts';

/**
 * One meshlog process: the admin server, the worker pool, the dead-letter sink and the current
 * component graph. `reload` swaps the graph without losing data: the old graph is drained and
 * flushed before the new one starts (senders see a short refusal and retry, as they do for any
 * restart; nothing they had handed over is dropped).
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
  /** Route windows, breakers and the API over them; in modes all and signals. */
  readonly signals: SignalsHub | undefined;
  #stopped: Promise<void> | undefined;

  constructor(config: MeshlogConfig, mode: Mode, logger: Logger) {
    this.#config = config;
    this.mode = mode;
    this.logger = logger;
    this.#pool = new WorkerPool(config.service.workers, this.metrics);
    this.#deadLetters = new FileDeadLetterSink(config.service.deadLetter.path, this.metrics);
    this.admin = createAdminServer(this.metrics, () => this.#graph?.started ?? false);
    if (mode === 'all' || mode === 'signals') {
      this.signals = new SignalsHub(signalsConfig.parse(config.signals), this.metrics);
      registerSignalsApi(this.admin, this.signals);
    }
  }

  get config(): MeshlogConfig {
    return this.#config;
  }

  get graph(): Graph | undefined {
    return this.#graph;
  }

  async start(): Promise<void> {
    await listen(this.admin, this.#config.service.admin.endpoint);
    await this.#startGraph();
    this.logger.info(
      {
        mode: this.mode,
        admin: this.#config.service.admin.endpoint,
        components: this.#graph!.components.map((c) => c.name),
      },
      'meshlog started',
    );
  }

  async #startGraph(): Promise<void> {
    const graph = new Graph(this.#config, this.mode, {
      logger: this.logger,
      metrics: this.metrics,
      deadLetters: this.#deadLetters,
      pool: this.#pool,
      signals: this.signals,
    });
    this.#graph = graph;
    try {
      await graph.start();
    } catch (err) {
      await graph.stop();
      throw err;
    }
  }

  /** Applies a new config. Admin endpoint, worker and signals settings need a restart; they are kept (the windows survive the reload). */
  async reload(config: MeshlogConfig): Promise<void> {
    const old = this.#graph;
    await old?.stop();
    this.#config = {
      ...config,
      service: { ...config.service, admin: this.#config.service.admin, workers: this.#config.service.workers },
    };
    await this.#startGraph();
    this.logger.info({ components: this.#graph!.components.map((c) => c.name) }, 'config reloaded');
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
