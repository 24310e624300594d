import { readFileSync } from 'node:fs';
import type { AccessRecord } from '../../../pipeline/records.ts';
import { LineParser } from '../../parse/line-parser.ts';

/** The 8 access-log hops of one real bookinfo request (bookinfo-hops.log), parsed, in file order. */
export function bookinfoHops(): AccessRecord[] {
  const parser = new LineParser('auto');
  return readFileSync(new URL('./bookinfo-hops.log', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const r = parser.parse(l);
      if (!r.ok) throw new Error(r.reason);
      return r.record;
    });
}
