import type { AccessRecord } from '../../../pipeline/records.ts';
import { LineParser } from '../../parse/line-parser.ts';

const parser = new LineParser('auto');

/** Access-log lines parsed and put in event-time order, as a live mesh delivers them (tests only). */
export function parsedInTimeOrder(lines: string[]): AccessRecord[] {
  return lines
    .map((l) => (parser.parse(l) as { ok: true; record: AccessRecord }).record)
    .sort((a, b) => Date.parse(a['@timestamp']) - Date.parse(b['@timestamp']));
}
