import type { z } from 'zod';
import type { ComponentContext, Exporter, Intake, Processor, Receiver } from './component.ts';

/**
 * How a component type is made. `config` is the one place its defaults live: a strict zod schema
 * whose `.default()`s are the documented defaults (unknown keys are errors).
 */
export interface ReceiverFactory<C = any> {
  readonly kind: 'receiver';
  readonly type: string;
  readonly config: z.ZodType<C>;
  create(config: C, ctx: ComponentContext, next: Intake): Receiver;
}

export interface ProcessorFactory<C = any> {
  readonly kind: 'processor';
  readonly type: string;
  readonly config: z.ZodType<C>;
  create(config: C, ctx: ComponentContext): Processor;
}

export interface ExporterFactory<C = any> {
  readonly kind: 'exporter';
  readonly type: string;
  readonly config: z.ZodType<C>;
  create(config: C, ctx: ComponentContext): Exporter;
}

export type Factory = ReceiverFactory | ProcessorFactory | ExporterFactory;
export type ComponentKind = Factory['kind'];
