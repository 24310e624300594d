import type { Bench, Row } from './harness.ts';
import { runOverload } from '../test/hardening/overload-driver.ts';

/**
 * Issue 12's memory test: 10× the sustainable load for 60 s from 8 senders against a real
 * `meshlog run` (http_lines → parse → join → file) with the default memory limit (512 MiB).
 * Reports the peak RSS against the limit and the requests accepted, refused (told to retry) and
 * lost (answered 200 but missing from the output): lost must be 0.
 */
const bench: Bench = {
  name: 'overload',
  description: '10× sustainable load for 60 s, 8 senders, memoryLimitMiB 512',
  async run(): Promise<Row[]> {
    const r = await runOverload({
      basePort: 44820,
      memoryLimitMiB: 512,
      calibrateMs: 5000,
      loadMs: 60_000,
      factor: 10,
      senders: 8,
      linesPerRequest: 200,
      joinMaxPending: 20_000,
    });
    return [
      {
        'sustainable lines/s': r.sustainableLinesPerSec,
        'offered lines/s': r.offeredLinesPerSec,
        requests: r.requests,
        accepted: r.accepted,
        refused: r.refused,
        'refused: memory': r.refusedByReason['429 MESHLOG_MEMORY_LIMIT'] ?? 0,
        'refused: queue full': r.refusedByReason['429 MESHLOG_QUEUE_FULL'] ?? 0,
        'other answers': r.otherAnswers,
        'lines accepted': r.acceptedLines,
        'lines lost': r.lostLines,
        'peak RSS MiB': r.peakRssMiB,
        'limit MiB': r.limitMiB,
      },
    ];
  },
};
export default bench;
