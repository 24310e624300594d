import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FACTORIES } from '../components.ts';
import { serviceSchema } from './service.ts';

/** Keeps the README's configuration table true: every default it states is the schema's. */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = README.slice(README.indexOf('## Configuration'), README.indexOf('## Testing'));
const rows = [...section.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => ({ key: m[1], stated: m[2].trim() }));

function parseStated(s: string): unknown {
  const size = /^(\d+) (KiB|MiB)$/.exec(s);
  if (size) return Number(size[1]) * (size[2] === 'KiB' ? 1024 : 1024 * 1024);
  if (/^\d+$/.test(s)) return Number(s);
  const code = /^`(.*)`$/.exec(s);
  return code ? code[1] : undefined;
}

function schemaDefault(key: string): unknown {
  const [section, id, ...rest] = key.split('.');
  let value: unknown;
  if (section === 'service') {
    value = serviceSchema.parse({ pipelines: {} });
    rest.unshift(id);
  } else {
    const kind = section.replace(/s$/, '');
    value = FACTORIES.find((f) => f.kind === kind && f.type === id)?.config.parse({});
  }
  for (const k of rest) value = (value as Record<string, unknown> | undefined)?.[k];
  return value;
}

describe('README configuration reference', () => {
  it('lists rows', () => expect(rows.length).toBeGreaterThan(10));
  it.each(rows.filter((r) => parseStated(r.stated) !== undefined))('$key defaults to $stated', ({ key, stated }) => {
    expect(schemaDefault(key)).toEqual(parseStated(stated));
  });
});
