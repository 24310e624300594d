import type { CanonicalField } from '../fields.ts';
import { tokenize } from './compile.ts';

/**
 * Renders values through a format string the way Envoy's text formatter does: unset is `-`,
 * `%REQ(X):N%` truncates. Used by the property tests and the benchmarks to make lines in any
 * format from known values.
 */
export function renderText(
  format: string,
  values: Partial<Record<CanonicalField, string | number>> & Record<string, string | number | undefined>,
): string {
  let out = '';
  for (const part of tokenize(format.replace(/\\n$|\n$/, ''))) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    const key = 'field' in part.op.target ? part.op.target.field : part.op.target.extra;
    const v = values[key];
    let s = v === undefined || v === '' ? '-' : String(v);
    if (part.op.maxLength !== undefined && s !== '-') s = s.slice(0, part.op.maxLength);
    out += s;
  }
  return out;
}
