import { afterAll, beforeAll } from 'vitest';
import { CaptureIntake } from '../../../pipeline/testing/capture.ts';
import { testContext } from '../../../pipeline/testing/context.ts';
import { WorkerPool } from '../../../pipeline/workers/pool.ts';
import { otlpConfig } from '../config.ts';
import { OtlpReceiver } from '../receiver.ts';

/**
 * An OTLP receiver with `config` and a one-thread worker pool, started before the file's tests
 * and stopped after them (tests only). Its records go to `sink`; `ctx` holds its dead letters.
 */
export function startedOtlpReceiver<T>(config: Record<string, unknown>) {
  const sink = new CaptureIntake<T>();
  const ctx = testContext('otlp');
  let pool: WorkerPool;
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    pool = new WorkerPool({ threads: 1 });
    receiver = new OtlpReceiver(otlpConfig.parse(config), { ...ctx, pool }, sink);
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.shutdown();
    await pool.close();
  });
  return { sink, ctx };
}
