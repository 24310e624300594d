import { flushCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';
import { FACTORIES } from '../../components.ts';
import { loadConfigFile, type MeshlogConfig } from '../../config/load.ts';
import { formatIssues } from '../../config/issues.ts';
import { checkModes } from '../../config/modes.ts';
import type { Mode } from '../../config/service.ts';
import { createLogger } from '../../log.ts';
import { configureProcessMemoryLimit } from '../../memory/process.ts';
import { Runtime } from '../../runtime/runtime.ts';

export const DEFAULT_CONFIG = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

function load(path: string, mode: Mode): MeshlogConfig {
  const result = loadConfigFile(path, FACTORIES, process.env);
  if (!result.ok) throw new Error(`invalid config ${path}:\n${formatIssues(result.issues)}`);
  const issues = checkModes(result.config, mode);
  if (issues.length > 0) throw new Error(`config ${path} cannot run in mode ${mode}:\n${formatIssues(issues)}`);
  return result.config;
}

/**
 * `meshlog run`: starts the runtime, reloads on SIGHUP (an invalid new config is logged and the
 * running one kept), and drains on SIGTERM/SIGINT within service.drainTimeoutMs. Exit code 0
 * after a clean drain, 1 if the deadline passed with data still in flight.
 */
export async function runCommand(opts: { config?: string; mode: Mode }): Promise<void> {
  const path = opts.config ?? DEFAULT_CONFIG;
  let config: MeshlogConfig;
  try {
    config = load(path, opts.mode);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.service.logLevel);
  configureProcessMemoryLimit({
    limitMiB: config.service.memoryLimitMiB,
    spikeLimitMiB: config.service.memorySpikeLimitMiB,
  });
  const runtime = new Runtime(config, opts.mode, logger);
  try {
    await runtime.start();
  } catch (err) {
    logger.fatal({ err }, 'meshlog failed to start');
    await runtime.stop().catch(() => undefined);
    process.exit(1);
  }
  // Every module the config uses is loaded now: written to the compile cache (bin.mjs) at once, not
  // only at a clean exit, so that a pod killed later still starts without the TypeScript stripper.
  flushCompileCache();

  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(async () => {
      try {
        await runtime.reload(load(path, opts.mode));
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'reload refused; the running config is kept');
      }
    });
  });

  const stop = (signal: string) => {
    logger.info({ signal, drainTimeoutMs: runtime.config.service.drainTimeoutMs }, 'draining');
    const deadline = setTimeout(() => {
      logger.error('drain deadline passed; exiting with data still in flight');
      process.exit(1);
    }, runtime.config.service.drainTimeoutMs);
    deadline.unref();
    void reloading
      .then(() => runtime.stop())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
