import type { z } from 'zod';
import type { ComponentContext, Exporter, Intake, Processor, Receiver } from './component.ts';

/**
 * How a component type is made. `config` is the one place its defaults live: a strict zod schema
 * whose `.default()`s are the documented defaults (unknown keys are errors).
 */
export interface ReceiverFactory<C = any> {
  /** Imports the implementation, for a factory made by `lazyFactory`; `create` needs it done. */
  load?(): Promise<void>;
  readonly kind: 'receiver';
  readonly type: string;
  readonly config: z.ZodType<C>;
  create(config: C, ctx: ComponentContext, next: Intake): Receiver;
}

export interface ProcessorFactory<C = any> {
  /** Imports the implementation, for a factory made by `lazyFactory`; `create` needs it done. */
  load?(): Promise<void>;
  readonly kind: 'processor';
  readonly type: string;
  readonly config: z.ZodType<C>;
  create(config: C, ctx: ComponentContext): Processor;
}

export interface ExporterFactory<C = any> {
  /** Imports the implementation, for a factory made by `lazyFactory`; `create` needs it done. */
  load?(): Promise<void>;
  readonly kind: 'exporter';
  readonly type: string;
  readonly config: z.ZodType<C>;
  create(config: C, ctx: ComponentContext): Exporter;
}

export type Factory = ReceiverFactory | ProcessorFactory | ExporterFactory;
export type ComponentKind = Factory['kind'];

/**
 * A factory whose implementation module is imported only when `load` is called, that is when a
 * config uses the type: a process keeps no code of the components it never runs (the
 * Elasticsearch, Kafka and gRPC clients are ~10 MB of heap that every full GC marks again). The
 * config schema comes from the component's light `config.ts`, so validation needs no import.
 */
export function lazyFactory<F extends Factory>(
  kind: F['kind'],
  type: string,
  config: F['config'],
  importer: () => Promise<F>,
): F {
  let loaded: F | undefined;
  const factory = {
    kind,
    type,
    config,
    async load() {
      if (loaded) return;
      const f = await importer();
      if (f.kind !== kind || f.type !== type)
        throw new Error(`the ${type} ${kind} loaded the ${f.type} ${f.kind}'s implementation`);
      // The config was validated with the light schema: the implementation must read the same one.
      if (f.config !== config) throw new Error(`the ${type} ${kind}'s implementation has another config schema`);
      loaded = f;
    },
    create(...args: unknown[]) {
      if (!loaded) throw new Error(`the ${type} ${kind} is not loaded (load() its factory before create)`);
      return (loaded.create as (...a: unknown[]) => unknown)(...args);
    },
  };
  return factory as unknown as F;
}
