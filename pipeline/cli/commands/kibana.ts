import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SAVED_OBJECTS = fileURLToPath(new URL('../../../deploy/kibana/meshlog.ndjson', import.meta.url));

/**
 * `meshlog kibana import --url URL`: loads the shipped data views and dashboards through Kibana's
 * saved-objects import API (overwriting earlier copies). Exit 1 with Kibana's message on failure.
 */
export async function kibanaImportCommand(opts: {
  url: string;
  file: string;
  space?: string;
  user?: string;
  password?: string;
}): Promise<void> {
  const base = opts.url.replace(/\/$/, '') + (opts.space ? `/s/${encodeURIComponent(opts.space)}` : '');
  const form = new FormData();
  form.append('file', new Blob([readFileSync(opts.file)], { type: 'application/ndjson' }), 'meshlog.ndjson');
  const headers: Record<string, string> = { 'kbn-xsrf': 'meshlog' };
  if (opts.user)
    headers.authorization = `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(`${base}/api/saved_objects/_import?overwrite=true`, { method: 'POST', headers, body: form });
  } catch (err) {
    process.stderr.write(`cannot reach Kibana at ${opts.url}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const body = (await res.json().catch(() => ({}))) as {
    success?: boolean;
    successCount?: number;
    errors?: unknown[];
    message?: string;
  };
  if (!res.ok || body.success === false) {
    process.stderr.write(`import failed (${res.status}): ${body.message ?? JSON.stringify(body.errors ?? body)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`imported ${body.successCount ?? 0} saved objects into ${base}\n`);
}
