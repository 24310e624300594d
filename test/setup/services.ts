import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVICES = fileURLToPath(new URL('../services/', import.meta.url));

export type ServiceName = 'elasticsearch' | 'kafka' | 'jaeger' | 'otelcol';

/** Where each server is when meshlog's scripts run it; the env overrides point at the user's own. */
export const SERVICE_DEFAULTS: Record<ServiceName, { env?: string; url: string; port: number }> = {
  elasticsearch: { env: 'MESHLOG_TEST_ES_URL', url: 'http://127.0.0.1:9200', port: 9200 },
  kafka: { env: 'MESHLOG_TEST_KAFKA_BROKERS', url: '127.0.0.1:9092', port: 9092 },
  jaeger: { env: 'MESHLOG_TEST_JAEGER_URL', url: 'http://127.0.0.1:16686', port: 16686 },
  otelcol: { url: 'http://127.0.0.1:24318', port: 24318 },
};

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/**
 * Runs `test/services/<name>.sh <action>` (with `env` on top of the process's, e.g. to address a
 * second instance); a failure carries the script's own message (e.g. what to install).
 */
export async function serviceScript(
  name: ServiceName,
  action: 'start' | 'stop',
  env: Record<string, string> = {},
): Promise<void> {
  try {
    await run('bash', [`${SERVICES}${name}.sh`, action], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 40 * 60_000,
      env: { ...process.env, ...env },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const tail = (e.stderr ?? '').trim().split('\n').slice(-15).join('\n');
    throw new Error(
      `could not ${action} ${name}${(env.MESHLOG_ES_INSTANCE ?? env.MESHLOG_JAEGER_INSTANCE) ? ` (${env.MESHLOG_ES_INSTANCE ?? env.MESHLOG_JAEGER_INSTANCE})` : ''} for the integration tests:\n${tail || e.message}`,
      { cause: err },
    );
  }
}
