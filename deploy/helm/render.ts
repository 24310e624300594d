/**
 * `npm run render`: writes deploy/rendered/<values name>.yaml (helm template of each values file under
 * deploy/values) and the values table of deploy/README.md. test/deploy fails when these are stale.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  CHART_DIR,
  README,
  RENDERED_DIR,
  TABLE_END,
  TABLE_START,
  readJson,
  renderChart,
  toolPaths,
  valuesFiles,
  valuesTable,
} from './chart.ts';

const [helm] = await toolPaths('helm');
mkdirSync(RENDERED_DIR, { recursive: true });
for (const v of valuesFiles()) {
  const out = await renderChart(helm, v.file);
  writeFileSync(join(RENDERED_DIR, `${v.name}.yaml`), out);
  process.stdout.write(`deploy/rendered/${v.name}.yaml\n`);
}
const table = valuesTable(
  readJson(join(CHART_DIR, 'values.schema.json')) as never,
  parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')),
);
const readme = readFileSync(README, 'utf8');
const a = readme.indexOf(TABLE_START);
const b = readme.indexOf(TABLE_END);
if (a < 0 || b < a) throw new Error(`${README} lacks the markers ${TABLE_START} … ${TABLE_END}`);
writeFileSync(README, readme.slice(0, a + TABLE_START.length) + '\n' + table + readme.slice(b));
process.stdout.write('deploy/README.md values table\n');
