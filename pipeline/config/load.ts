import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { ComponentKind, ExporterFactory, Factory, ProcessorFactory, ReceiverFactory } from '../factory.ts';
import { substituteEnv } from './env.ts';
import { fromZod, type ConfigIssue } from './issues.ts';
import { serviceSchema, type ServiceConfig } from './service.ts';

export interface Resolved<F extends Factory> {
  id: string;
  factory: F;
  config: unknown;
}

export interface MeshlogConfig {
  receivers: Map<string, Resolved<ReceiverFactory>>;
  processors: Map<string, Resolved<ProcessorFactory>>;
  exporters: Map<string, Resolved<ExporterFactory>>;
  service: ServiceConfig;
}

export type LoadResult = { ok: true; config: MeshlogConfig } | { ok: false; issues: ConfigIssue[] };

const SECTIONS = { receivers: 'receiver', processors: 'processor', exporters: 'exporter' } as const;
const ROOT_KEYS = new Set(['receivers', 'processors', 'exporters', 'service']);

export function loadConfigFile(path: string, factories: readonly Factory[], env = process.env): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `cannot read ${path}: ${(err as Error).message}` }] };
  }
  return loadConfigText(text, factories, env);
}

/**
 * Parses, substitutes `${env:…}`, and validates a config. It collects every problem instead of
 * stopping at the first, so `validate-config` can list them all.
 */
export function loadConfigText(text: string, factories: readonly Factory[], env = process.env): LoadResult {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return { ok: false, issues: doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message}` })) };
  }
  const issues: ConfigIssue[] = [];
  const raw = substituteEnv(doc.toJS() ?? {}, env, [], issues);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, issues: [{ path: '', message: 'the config must be a mapping', value: raw }] };
  }
  const root = raw as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (key === 'signals')
      issues.push({ path: key, message: 'the signals settings moved to processors.signals', value: root[key] });
    else if (!ROOT_KEYS.has(key)) issues.push({ path: key, message: 'unknown key', value: root[key] });
  }

  const sections = {
    receivers: resolveSection('receivers', root.receivers, factories, issues),
    processors: resolveSection('processors', root.processors, factories, issues),
    exporters: resolveSection('exporters', root.exporters, factories, issues),
  };

  const service = serviceSchema.safeParse(root.service ?? {}, { reportInput: true });
  if (!service.success) issues.push(...fromZod(service.error, ['service'], root.service));

  if (service.success) checkPipelines(service.data, root, issues);
  if (issues.length > 0 || !service.success) return { ok: false, issues };
  return {
    ok: true,
    config: {
      receivers: sections.receivers as Map<string, Resolved<ReceiverFactory>>,
      processors: sections.processors as Map<string, Resolved<ProcessorFactory>>,
      exporters: sections.exporters as Map<string, Resolved<ExporterFactory>>,
      service: service.data,
    },
  };
}

function resolveSection(
  section: keyof typeof SECTIONS,
  value: unknown,
  factories: readonly Factory[],
  issues: ConfigIssue[],
): Map<string, Resolved<Factory>> {
  const out = new Map<string, Resolved<Factory>>();
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path: section, message: 'expected a mapping of component ids to their config', value });
    return out;
  }
  const kind: ComponentKind = SECTIONS[section];
  for (const [id, body] of Object.entries(value)) {
    const type = id.split('/')[0];
    const factory = factories.find((f) => f.kind === kind && f.type === type);
    if (!factory) {
      const known = factories
        .filter((f) => f.kind === kind)
        .map((f) => f.type)
        .join(', ');
      issues.push({ path: `${section}.${id}`, message: `unknown ${kind} type "${type}" (known: ${known})` });
      continue;
    }
    const parsed = (factory.config as z.ZodType).safeParse(body ?? {}, { reportInput: true });
    if (!parsed.success) {
      issues.push(...fromZod(parsed.error, [section, id], body));
      continue;
    }
    out.set(id, { id, factory, config: parsed.data });
  }
  return out;
}

/** Every id a pipeline names must be declared (a declared but invalid one is reported where it is). */
function checkPipelines(service: ServiceConfig, root: Record<string, unknown>, issues: ConfigIssue[]): void {
  const read = new Set(
    Object.values(service.pipelines).flatMap((p) =>
      p.receivers.filter((id) => id.startsWith('pipeline:')).map((id) => id.slice('pipeline:'.length)),
    ),
  );
  for (const [name, p] of Object.entries(service.pipelines)) {
    if (p.exporters.length === 0 && !read.has(name))
      issues.push({
        path: `service.pipelines.${name}.exporters`,
        message: 'a pipeline needs at least one exporter, or another pipeline that reads it (pipeline:<name>)',
        value: p.exporters,
      });
    for (const section of ['receivers', 'processors', 'exporters'] as const) {
      p[section].forEach((id, i) => {
        if (section === 'receivers' && id.startsWith('pipeline:')) {
          const from = id.slice('pipeline:'.length);
          if (from === name || !(from in service.pipelines))
            issues.push({
              path: `service.pipelines.${name}.receivers.${i}`,
              message: `"${from}" is not another pipeline`,
              value: id,
            });
          return;
        }
        const declared = root[section];
        if (!declared || typeof declared !== 'object' || !(id in declared)) {
          issues.push({
            path: `service.pipelines.${name}.${section}.${i}`,
            message: `"${id}" is not defined under ${section}`,
            value: id,
          });
        }
      });
    }
  }
}
