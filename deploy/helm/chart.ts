import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const CHART_DIR = join(ROOT, 'deploy/helm/meshlog');
export const VALUES_DIR = join(ROOT, 'deploy/values');
export const RENDERED_DIR = join(ROOT, 'deploy/rendered');
export const README = join(ROOT, 'deploy/README.md');
/** The release every committed rendering uses: `helm install meshlog deploy/helm/meshlog -n meshlog`. */
export const RELEASE = { name: 'meshlog', namespace: 'meshlog' };

/**
 * The Kubernetes version the chart is rendered for and validated against: the schemas' version,
 * pinned in test/services/versions.env (helm built with `go install` would otherwise assume 1.20).
 */
export const KUBE_VERSION = /^KUBERNETES_SCHEMA_VERSION=(\S+)$/m.exec(
  readFileSync(join(ROOT, 'test/services/versions.env'), 'utf8'),
)![1];

/** Runs a test/services tool script's `path` action (installing on first use) and returns its output words. */
export async function toolPaths(tool: 'helm' | 'kubeconform'): Promise<string[]> {
  const { stdout } = await run('bash', [join(ROOT, `test/services/${tool}.sh`), 'path'], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 40 * 60_000,
  });
  return stdout.trim().split('\n').at(-1)!.split(' ');
}

/** Every values file under deploy/values, by name (the file name without .yaml). */
export function valuesFiles(): { name: string; file: string }[] {
  return readdirSync(VALUES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: basename(f, '.yaml'), file: join(VALUES_DIR, f) }));
}

/** `helm template` of the chart with one values file (plus --set flags); the stdout, or helm's error. */
export async function renderChart(helm: string, valuesFile: string, sets: string[] = []): Promise<string> {
  const args = ['template', RELEASE.name, CHART_DIR, '--namespace', RELEASE.namespace, '--kube-version', KUBE_VERSION];
  args.push('-f', valuesFile);
  for (const s of sets) args.push('--set', s);
  const { stdout } = await run(helm, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

interface SchemaNode {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

const DEFAULTS_NOTE = 'Default';

function defaultAt(values: unknown, path: string[]): unknown {
  let v: unknown = values;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/**
 * The values table of deploy/README.md, from values.schema.json (descriptions, types, enums) and the
 * defaults of values.yaml: one row per leaf key.
 */
export function valuesTable(schema: SchemaNode, defaults: unknown): string {
  const rows: string[] = [`| key | type | ${DEFAULTS_NOTE.toLowerCase()} | description |`, '|---|---|---|---|'];
  const walk = (node: SchemaNode, path: string[]) => {
    if (node.type === 'object' && node.properties) {
      for (const [k, child] of Object.entries(node.properties)) walk(child, [...path, k]);
      return;
    }
    const type = Array.isArray(node.type) ? node.type.join('\\|') : (node.type ?? 'any');
    const choices = node.enum ? ` One of: ${node.enum.map((e) => `\`${String(e)}\``).join(', ')}.` : '';
    const def = JSON.stringify(defaultAt(defaults, path)) ?? '';
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    rows.push(`| \`${path.join('.')}\` | ${type} | \`${cell(def)}\` | ${cell(node.description ?? '')}${choices} |`);
  };
  walk(schema, []);
  return rows.join('\n') + '\n';
}

export const TABLE_START = '<!-- values table: generated from values.schema.json by `npm run render` -->';
export const TABLE_END = '<!-- end of values table -->';

/** The README's table section as it is now, or undefined when the markers are missing. */
export function readmeTable(readme: string): string | undefined {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) return undefined;
  return readme.slice(a + TABLE_START.length, b).replace(/^\n/, '');
}

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}
