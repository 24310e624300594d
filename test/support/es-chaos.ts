import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../services/elasticsearch.sh', import.meta.url));

/**
 * A second Elasticsearch of the test install (port 9201, tiny write queue) that the fault tests
 * may choke, stop and restart without disturbing the shared one.
 */
export const CHAOS_URL = 'http://127.0.0.1:9201';
const env = { ...process.env, MESHLOG_ES_INSTANCE: 'es-chaos', MESHLOG_ES_PORT: '9201', MESHLOG_ES_WRITE_QUEUE_SIZE: '1' };

export async function chaos(action: 'start' | 'stop'): Promise<void> {
  try {
    await run('bash', [SCRIPT, action], { env, timeout: 300_000 });
  } catch (err) {
    throw new Error(`es-chaos ${action} failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { cause: err });
  }
}
