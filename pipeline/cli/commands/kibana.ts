import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MESHLOG_URL } from '../../../deploy/kibana/generate.ts';

export const SAVED_OBJECTS = fileURLToPath(new URL('../../../deploy/kibana/meshlog.ndjson', import.meta.url));

/** The Kibana versions whose saved-object format the shipped Lens objects are written in. */
export const SUPPORTED_KIBANA = '8.11 to 9.x';

export function supportedKibana(version: string): boolean {
  const m = /^(\d+)\.(\d+)\./.exec(version);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return (major === 8 && minor >= 11) || major === 9;
}

/**
 * Points the saved objects' links to meshlog's canary view at `url` (the admin server as a
 * browser reaches it). Refuses what would not survive being embedded in JSON inside JSON.
 */
export function withMeshlogUrl(ndjson: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--meshlog-url is not a URL: ${url}`);
  }
  if (!/^https?:$/.test(parsed.protocol) || /["\\\s]/.test(url))
    throw new Error(`--meshlog-url must be an http(s) URL without quotes, backslashes or spaces: ${url}`);
  return ndjson.replaceAll(DEFAULT_MESHLOG_URL, url.replace(/\/$/, ''));
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

/**
 * `meshlog kibana import --url URL`: checks Kibana's version (GET /api/status), then loads the
 * shipped data views, Lens panels and dashboards through the saved-objects import API
 * (overwriting earlier copies). Exit 1 with the reason when Kibana is unreachable, too old or too
 * new for the Lens format, or refuses the import.
 */
export async function kibanaImportCommand(opts: {
  url: string;
  file: string;
  space?: string;
  user?: string;
  password?: string;
  meshlogUrl?: string;
}): Promise<void> {
  const root = opts.url.replace(/\/$/, '');
  const base = root + (opts.space ? `/s/${encodeURIComponent(opts.space)}` : '');
  const headers: Record<string, string> = { 'kbn-xsrf': 'meshlog' };
  if (opts.user)
    headers.authorization = `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}`;

  let ndjson: string;
  try {
    ndjson = readFileSync(opts.file, 'utf8');
    if (opts.meshlogUrl) ndjson = withMeshlogUrl(ndjson, opts.meshlogUrl);
  } catch (err) {
    return fail((err as Error).message);
  }

  let status: Response;
  try {
    status = await fetch(`${root}/api/status`, { headers });
  } catch (err) {
    return fail(`cannot reach Kibana at ${opts.url}: ${(err as Error).message}`);
  }
  if (status.status === 401 || status.status === 403)
    return fail(`Kibana at ${opts.url} refused GET /api/status (${status.status}): give --user and --password`);
  const version = ((await status.json().catch(() => ({}))) as { version?: { number?: string } }).version?.number;
  if (!version)
    return fail(`Kibana at ${opts.url} did not say its version (GET /api/status answered ${status.status})`);
  if (!supportedKibana(version))
    return fail(
      `Kibana ${version} is not supported: meshlog's dashboards are Lens saved objects in the format of ` +
        `Kibana ${SUPPORTED_KIBANA}; nothing was imported`,
    );

  const form = new FormData();
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), 'meshlog.ndjson');
  let res: Response;
  try {
    res = await fetch(`${base}/api/saved_objects/_import?overwrite=true`, { method: 'POST', headers, body: form });
  } catch (err) {
    return fail(`cannot reach Kibana at ${opts.url}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    success?: boolean;
    successCount?: number;
    errors?: unknown[];
    message?: string;
  };
  if (!res.ok || body.success === false)
    return fail(`import failed (${res.status}): ${body.message ?? JSON.stringify(body.errors ?? body)}`);
  process.stdout.write(`imported ${body.successCount ?? 0} saved objects into Kibana ${version} at ${base}\n`);
}
