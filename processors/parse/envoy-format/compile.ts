import { emptyFields, type Fields } from '../fields.ts';
import { LONG_FLAGS, resolveOperator, type Operator } from './operators.ts';
import { compileStrftime, type TimeParser } from './strftime.ts';

export type Part = { literal: string } | { op: Operator };

/** Splits an Envoy format string into literal text and `%COMMAND(arg):len%` operators. */
export function tokenize(format: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== '%') {
      literal += c;
      i++;
      continue;
    }
    if (format[i + 1] === '%') {
      literal += '%';
      i += 2;
      continue;
    }
    const m = /^%([A-Z][A-Z0-9_]*)/.exec(format.slice(i));
    if (!m) throw new Error(`format: "%" at offset ${i} does not start a command`);
    let j = i + m[0].length;
    let arg: string | undefined;
    if (format[j] === '(') {
      const close = format.indexOf(')', j);
      if (close === -1) throw new Error(`format: %${m[1]}( at offset ${i} is not closed`);
      arg = format.slice(j + 1, close);
      j = close + 1;
    }
    let maxLength: number | undefined;
    const len = /^:(\d+)/.exec(format.slice(j));
    if (len) {
      maxLength = Number(len[1]);
      j += len[0].length;
    }
    if (format[j] !== '%') throw new Error(`format: %${m[1]} at offset ${i} is missing its closing "%"`);
    if (literal) parts.push({ literal });
    literal = '';
    parts.push({ op: resolveOperator(m[1], arg, maxLength) });
    i = j + 1;
  }
  if (literal) parts.push({ literal });
  return parts;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Builds an anchored regex for a text format. Each operator's pattern stops at the literal that
 * follows it, so it never needs to backtrack far:
 * - a quoted value (`"%X%"`) runs to the first `"` that starts the closing literal, so values with
 *   inner quotes still parse;
 * - a numeric value must be digits or `-`, which also tells formats apart during detection;
 * - any other value runs to the first character of the next literal.
 * With `spaceFree` (Istio's own layouts, whose unquoted values never hold a space), an unquoted value
 * also stops at a space, so the last field cannot swallow a neighbour when a layout is one field
 * short, and trailing whitespace after the line is allowed.
 */
function buildRegex(parts: Part[], spaceFree: boolean): RegExp {
  let src = '^';
  parts.forEach((part, i) => {
    if ('literal' in part) {
      src += esc(part.literal);
      return;
    }
    const prev = parts[i - 1];
    const next = parts[i + 1];
    const nextLit = next && 'literal' in next ? next.literal : '';
    const quoted = prev && 'literal' in prev && prev.literal.endsWith('"') && nextLit.startsWith('"');
    if (part.op.numeric) src += '(-?\\d+|-)';
    else if (part.op.command === 'START_TIME' && part.op.arg)
      src += '(.*?)'; // a strftime layout may contain spaces
    else if (quoted) {
      // `[^"]*(?:"(?!after)[^"]*)*` is `(?:[^"]|"(?!after))*` unrolled: the same strings, tried
      // longest first as before, but runs of non-quotes go in one step, not one backtrack entry
      // per character.
      const after = nextLit.slice(1, 4);
      const stop = after ? esc(after) : i + 2 >= parts.length ? '$' : undefined;
      src += stop ? `([^"]*(?:"(?!${stop})[^"]*)*)` : '(.*?)';
    } else if (nextLit) src += spaceFree ? `([^ ${esc(nextLit[0])}]*)` : `([^${esc(nextLit[0])}]*)`;
    else if (spaceFree) src += '([^ ]*)';
    else src += i === parts.length - 1 ? '(.*)' : '(.*?)';
  });
  return new RegExp(src + (spaceFree ? '[ \\t]*$' : '$'));
}

export interface TextParser {
  readonly format: string;
  readonly operators: Operator[];
  /** Canonical fields, or null when the line does not have this format's shape. */
  parse(line: string): Fields | null;
}

/** Compiles a text format string (as pasted from `meshConfig.accessLogFormat`) into a parser. */
export function compileText(format: string, opts: { spaceFree?: boolean } = {}): TextParser {
  const trimmed = format.replace(/\r?\n$/, '').replace(/\\n$/, '');
  const parts = tokenize(trimmed);
  const operators = parts.flatMap((p) => ('op' in p ? [p.op] : []));
  if (operators.length === 0) throw new Error('format: it has no %COMMAND% operators');
  // Two operators with nothing between them cannot be told apart in a line, and matching them
  // would backtrack polynomially in the line's length (a long line could stall a worker).
  parts.forEach((p, i) => {
    const next = parts[i + 1];
    if ('op' in p && next && 'op' in next)
      throw new Error(`format: %${p.op.command}% and %${next.op.command}% touch; put a separator between them`);
  });
  const re = buildRegex(parts, opts.spaceFree ?? false);
  const timeParsers = operators.map((op) =>
    op.command === 'START_TIME' && op.arg ? compileStrftime(op.arg) : undefined,
  );
  const fill = compileFill(operators, timeParsers);
  return {
    format,
    operators,
    parse(line) {
      const m = re.exec(line);
      return m ? fill(m) : null;
    },
  };
}

type Fill = (m: RegExpExecArray) => Fields;

/**
 * The function that makes a line's Fields from its match, one statement per operator, made once
 * per format. The first operator to fill a canonical field finds it unset in a new emptyFields()
 * object, so it stores without reading it first, by a name written in the code: a store by a
 * name that changes at every operator is a megamorphic lookup, and there are ~25 per line. A
 * plain operator's value (no time layout, no long flags) is read in place. A later operator on
 * the same field (say %RESPONSE_FLAGS_LONG% after %RESPONSE_FLAGS%) goes through assign, which
 * keeps a value already there. Field names come from CANONICAL_FIELDS, and are quoted as JSON.
 */
function compileFill(operators: Operator[], timeParsers: Array<TimeParser | undefined>): Fill {
  const lines = operators.map((op, i) => {
    const target = op.target;
    const first =
      'field' in target && operators.findIndex((o) => 'field' in o.target && o.target.field === target.field) === i;
    if (!first) return `assign(f, ops[${i}], m[${i + 1}], times[${i}]);`;
    const field = JSON.stringify((target as { field: string }).field);
    const plain = timeParsers[i] === undefined && op.command !== 'RESPONSE_FLAGS_LONG';
    return plain
      ? `v = m[${i + 1}]; f[${field}] = v === undefined || v === '-' || v === '' ? null : v;`
      : `f[${field}] = valueOf(ops[${i}], m[${i + 1}], times[${i}]);`;
  });
  const body = `return (m) => {\n  const f = emptyFields();\n  let v;\n  ${lines.join('\n  ')}\n  return f;\n};`;
  return new Function('emptyFields', 'assign', 'valueOf', 'ops', 'times', body)(
    emptyFields,
    assign,
    valueOf,
    operators,
    timeParsers,
  ) as Fill;
}

/** Puts one operator's raw value where it belongs, unless an earlier operator filled that field. */
export function assign(fields: Fields, op: Operator, raw: unknown, time?: TimeParser): void {
  const value = valueOf(op, raw, time);
  if ('field' in op.target) {
    if (fields[op.target.field] == null) fields[op.target.field] = value;
  } else {
    (fields.extras ??= {})[op.target.extra] = value;
  }
}

/** One operator's raw value as stored: `-` and empty become null; times and long flags are read. */
function valueOf(op: Operator, raw: unknown, time?: TimeParser): string | number | null {
  let value: string | number | null =
    raw === undefined || raw === null || raw === '-' || raw === '' ? null : (raw as string | number);
  if (value !== null && time && typeof value === 'string') value = time(value) ?? value;
  if (value !== null && op.command === 'RESPONSE_FLAGS_LONG') {
    value = String(value)
      .split(',')
      .map((f) => LONG_FLAGS[f] ?? f)
      .join(',');
  }
  return value;
}
