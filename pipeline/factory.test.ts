import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ExporterFactory } from './factory.ts';
import { lazyFactory } from './factory.ts';
import { FACTORIES } from './components.ts';

describe('lazyFactory', () => {
  it('imports the implementation on load, once, and creates through it', async () => {
    let imports = 0;
    const real: ExporterFactory = {
      kind: 'exporter',
      type: 'x',
      config: z.object({}),
      create: (config, ctx) => ({ name: ctx.name, config }) as never,
    };
    const lazy = lazyFactory<ExporterFactory>('exporter', 'x', real.config, async () => (imports++, real));
    expect(() => lazy.create({}, { name: 'x/a' } as never)).toThrow('the x exporter is not loaded');
    await lazy.load!();
    await lazy.load!();
    expect(imports).toBe(1);
    expect(lazy.create({ a: 1 }, { name: 'x/a' } as never)).toEqual({ name: 'x/a', config: { a: 1 } });
  });

  it('refuses an implementation of another kind or type, or with another config schema', async () => {
    const lazy = lazyFactory<ExporterFactory>('exporter', 'y', z.object({}), async () => ({ type: 'x' }) as never);
    await expect(lazy.load!()).rejects.toThrow('the y exporter loaded the x');
    const other = lazyFactory<ExporterFactory>('exporter', 'x', z.object({}), async () => ({
      kind: 'exporter',
      type: 'x',
      config: z.object({}),
      create: () => ({}) as never,
    }));
    await expect(other.load!()).rejects.toThrow('has another config schema');
  });

  it('every built-in type loads its own implementation, and no two share a name', async () => {
    for (const f of FACTORIES) await f.load!();
    const types = FACTORIES.map((f) => `${f.kind}/${f.type}`);
    expect(new Set(types).size).toBe(types.length);
  });
});
