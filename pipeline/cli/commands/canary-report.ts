import { writeFileSync } from 'node:fs';
import type { CanaryAnswer, SignalsEngine } from '../../../processors/signals/engine.ts';
import { canaryViewData } from '../../../processors/signals/ui/canary-view.ts';
import { canaryReportHtml } from '../../../processors/signals/ui/report.ts';

/** `meshlog analyze … --html FILE`: the canary view of `answer` as one self-contained HTML file. */
export function writeCanaryReport(file: string, hub: SignalsEngine, answer: CanaryAnswer): void {
  writeFileSync(file, canaryReportHtml(canaryViewData(hub, answer)));
  process.stderr.write(`canary report written to ${file}\n`);
}
