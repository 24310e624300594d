import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { FACTORIES } from '../components.ts';
import { loadConfigFile, loadConfigText } from './load.ts';

const minimal = (extra = '') => `
receivers:
  http_lines: {}
exporters:
  file: { path: /tmp/x.ndjson }
service:
  pipelines:
    logs: { receivers: [http_lines], exporters: [file] }
${extra}`;

function issues(text: string, env: NodeJS.ProcessEnv = {}) {
  const r = loadConfigText(text, FACTORIES, env);
  if (r.ok) throw new Error('expected the config to be rejected');
  return r.issues;
}

describe('config loading', () => {
  it('fills defaults from the component schemas', () => {
    const r = loadConfigText(minimal(), FACTORIES, {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.receivers.get('http_lines')?.config).toMatchObject({
      endpoint: '127.0.0.1:8088',
      maxBodyBytes: 8 * 1024 * 1024,
    });
    expect(r.config.service.admin.endpoint).toBe('127.0.0.1:8686');
    expect(r.config.service.pipelines.logs.modes).toEqual(['all']);
  });

  it.each([
    [
      'a misspelt key inside a receiver',
      minimal().replace('http_lines: {}', 'http_lines: { endpont: x }'),
      'receivers.http_lines.endpont',
      'unknown key',
    ],
    [
      'a number where a path belongs',
      minimal().replace('path: /tmp/x.ndjson', 'path: 42'),
      'exporters.file.path',
      'expected string',
    ],
    ['an unknown top-level key', minimal('extensions: {}'), 'extensions', 'unknown key'],
    ...['localhost', '127.0.0.1:99999', '127.0.0.1:abc'].map((e) => [
      `a listener endpoint run would refuse (${e})`,
      minimal().replace('http_lines: {}', `http_lines: { endpoint: "${e}" }`),
      'receivers.http_lines.endpoint',
      'endpoint must be host:port',
    ]),
    [
      'an admin endpoint without a port',
      minimal().replace('service:', 'service:\n  admin: { endpoint: localhost }'),
      'service.admin.endpoint',
      'endpoint must be host:port',
    ],
    [
      'an unknown component type',
      minimal().replace('http_lines: {}', 'http_lines: {}\n  amqp/raw: {}'),
      'receivers.amqp/raw',
      'unknown receiver type',
    ],
    [
      'a pipeline naming an undefined exporter',
      minimal().replace('exporters: [file]', 'exporters: [file, elasticsearch]'),
      'service.pipelines.logs.exporters.1',
      'not defined',
    ],
    [
      'a negative queue capacity',
      minimal().replace('service:', 'service:\n  queueCapacity: -1'),
      'service.queueCapacity',
      'expected number to be >0',
    ],
    [
      'a mode that does not exist',
      minimal().replace('exporters: [file] }', 'exporters: [file], modes: [everything] }'),
      'service.pipelines.logs.modes.0',
      'Invalid option',
    ],
  ])('rejects %s and names the path', (_name, text, path, message) => {
    const found = issues(text);
    const hit = found.find((i) => i.path === path);
    expect(hit, JSON.stringify(found)).toBeDefined();
    expect(hit!.message).toContain(message);
  });

  it('reports every problem at once, with the value found', () => {
    const file = fileURLToPath(new URL('./testdata/bad-types.yaml', import.meta.url));
    const r = loadConfigFile(file, FACTORIES, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual(['exporters.file.path', 'receivers.http_lines.endpont']);
    expect(r.issues.find((i) => i.path === 'exporters.file.path')?.value).toBe(42);
  });

  it('substitutes ${env:NAME}, typed when it is the whole value, with defaults', () => {
    const text = minimal().replace(
      'http_lines: {}',
      'http_lines: { endpoint: "${env:HOST:-127.0.0.1}:${env:PORT}", maxBodyBytes: "${env:MAX}" }',
    );
    const r = loadConfigText(text, FACTORIES, { PORT: '9999', MAX: '1024' });
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.config.receivers.get('http_lines')?.config).toMatchObject({
        endpoint: '127.0.0.1:9999',
        maxBodyBytes: 1024,
      });
  });

  it('names the path of an unset environment variable', () => {
    const found = issues(minimal().replace('path: /tmp/x.ndjson', 'path: "${env:OUT_DIR}/x"'));
    expect(found).toContainEqual({
      path: 'exporters.file.path',
      message: 'environment variable OUT_DIR is not set and has no default',
    });
  });

  it('rejects YAML that does not parse', () => {
    expect(issues('receivers: [\n')[0].message).toMatch(/^YAML:/);
  });
});
