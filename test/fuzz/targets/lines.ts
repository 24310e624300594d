import { CANONICAL_FIELDS } from '../../../processors/parse/fields.ts';
import fc from 'fast-check';
import { parseChunk } from '../../../processors/parse/chunk.ts';
import { ISTIO_TEXT_FORMATS } from '../../../processors/parse/envoy-format/istio-formats.ts';
import { renderText } from '../../../processors/parse/envoy-format/render.ts';
import { LineParser } from '../../../processors/parse/line-parser.ts';
import type { ParseResult } from '../../../processors/parse/task.ts';
import { unwrap } from '../../../processors/parse/unwrap.ts';
import { tokens } from '../mutate.ts';
import type { Rng } from '../rng.ts';
import { loadSeeds } from '../seeds.ts';
import { backtrackingFormats, longLines } from './probes.ts';
import { firstReason, text, type Outcome, type Target } from '../target.ts';

const enc = new TextEncoder();

/** Values a sidecar could log for each canonical field, and values it never should. */
const VALUE = fc.oneof(
  fc.constantFrom('-', '', '0', '-1', '200', '503', 'UF,URX', 'UO', 'DC', 'HTTP/2', 'GET', 'via_upstream'),
  fc.constantFrom('outbound|9080|v2|reviews.default.svc.cluster.local', 'inbound|9080||', 'PassthroughCluster'),
  fc.constantFrom('2025-12-14T15:04:12.558Z', '2100-01-01T00:00:00.000Z', '0000-00-00T00:00:00Z', '1e309'),
  fc.constantFrom('10.244.1.4:8080', '[::1]:80', 'unix:/tmp/s', 'outbound_.9080_._.productpage.default.svc'),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
/** The keys the Istio JSON decoder maps (processors/parse/fields.ts). */
const FIELDS = CANONICAL_FIELDS;
const RECORD = fc.dictionary(fc.constantFrom(...FIELDS), VALUE, { maxKeys: FIELDS.length });
const JSON_RECORD = fc.oneof(RECORD, fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue()));
const JSON_VALUE = fc.jsonValue();

const pools = new Map<fc.Arbitrary<unknown>, { values: unknown[]; next: number }>();

/**
 * One fast-check value. Drawing them 256 at a time (seeded from our Rng, so a run stays
 * reproducible) costs a tenth of one fc.sample call per value.
 */
export function sample<T>(arb: fc.Arbitrary<T>, rng: Rng): T {
  let pool = pools.get(arb);
  if (!pool || pool.next >= pool.values.length) {
    pool = { values: fc.sample(arb, { seed: rng.u32() | 0, numRuns: 256 }), next: 0 };
    pools.set(arb, pool);
  }
  return pool.values[pool.next++] as T;
}

function parserTarget(name: string, format: string, contract: string, render: (rng: Rng) => string): Target {
  const parser = new LineParser(format);
  return {
    name,
    contract,
    maxLen: 16 * 1024,
    seeds: () => loadSeeds(name),
    dictionary: tokens(
      '"',
      '" "',
      '[',
      ']',
      '-',
      ' ',
      '{',
      '}',
      '":"',
      '","',
      '\\"',
      '\\u0000',
      '\ud800',
      'null',
      'true',
      '[]',
      '{}',
      '"response_code":',
      '"start_time":',
      '"duration":',
      '"log":"',
      ' stdout F ',
      ' stdout P ',
      '2025-12-14T15:04:12.558Z',
      'outbound|',
      'inbound|',
      '|||',
      '.svc.cluster.local',
      'UF,URX,',
      'HTTP/1.1',
    ),
    generate: (rng) => enc.encode(render(rng)),
    run(input): Outcome {
      const r = parser.parse(text(input));
      return r.ok ? { ok: true } : { ok: false, reason: r.reason };
    },
  };
}

export const istioText = parserTarget(
  'istio-text',
  'auto',
  'LineParser.parse returns a record or {ok:false, reason}; it never throws',
  (rng) => renderText(rng.pick(ISTIO_TEXT_FORMATS).format, sample(RECORD, rng)),
);

export const istioJson = parserTarget(
  'istio-json',
  'istio-json',
  'LineParser.parse returns a record or {ok:false, reason}; it never throws',
  (rng) => JSON.stringify(sample(JSON_RECORD, rng)),
);

const OPERATORS = [
  'START_TIME',
  'START_TIME(%Y-%m-%dT%H:%M:%S)',
  'START_TIME(%s.%3f)',
  'START_TIME(%b %e %T %Z %Y)',
  'REQ(:METHOD)',
  'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)',
  'REQ(USER-AGENT):10',
  'REQ(X-REQUEST-ID)',
  'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)',
  'PROTOCOL',
  'RESPONSE_CODE',
  'RESPONSE_FLAGS',
  'RESPONSE_FLAGS_LONG',
  'BYTES_RECEIVED',
  'BYTES_SENT',
  'DURATION',
  'UPSTREAM_HOST',
  'UPSTREAM_CLUSTER',
  'UPSTREAM_CLUSTER_RAW',
  'DOWNSTREAM_REMOTE_ADDRESS',
  'ROUTE_NAME',
  'DYNAMIC_METADATA(istio.mixer:status)',
  'FILTER_STATE(a:b)',
  'TRAILER(grpc-status)',
  'X_UNKNOWN',
  'A',
];
const LITERALS = [' ', '"', ' "', '" "', '[', '] ', ',', '|', ':', '%%', '\\n', '\n', '{', '}', 'x', '  '];
const FORMAT = fc.array(
  fc.oneof(
    fc.constantFrom(...OPERATORS).map((o) => `%${o}%`),
    fc.constantFrom(...LITERALS),
    fc.string({ maxLength: 6 }),
  ),
  { minLength: 1, maxLength: 30 },
);

/**
 * Random format strings, and lines against each compiled format. An input is the format string,
 * a newline, then the line. A format the compiler refuses must be refused with an Error naming
 * the problem (it is a config error); a line must be parsed or rejected with a reason.
 */
export const formatString: Target = {
  name: 'format-string',
  contract:
    'new LineParser("envoy:"+format) compiles or throws an Error with a message; LineParser.parse returns a record or {ok:false, reason}',
  maxLen: 8 * 1024,
  seeds: () => loadSeeds('format-string'),
  probes: backtrackingFormats,
  dictionary: tokens(...OPERATORS.map((o) => `%${o}%`), '%', '%(', '):5%', '"', '\n', ' ', '-', '[', ']'),
  generate(rng) {
    const parts = sample(FORMAT, rng);
    const format = parts.join('');
    let line: string;
    try {
      line = renderText(format, sample(RECORD, rng));
    } catch {
      line = parts.map((p) => (p.startsWith('%') ? '-' : p)).join('');
    }
    return enc.encode(`${format.replace(/\n/g, ' ')}\n${line}`);
  },
  run(input) {
    const s = text(input);
    const nl = s.indexOf('\n');
    const format = nl === -1 ? s : s.slice(0, nl);
    const line = nl === -1 ? '' : s.slice(nl + 1);
    let parser: LineParser;
    try {
      parser = new LineParser(`envoy:${format}`);
    } catch (err) {
      // A config error: the contract is an Error (or the JSON parser's SyntaxError) with a message.
      if ((err as Error).constructor === Error || err instanceof SyntaxError)
        return { ok: false, reason: `format refused: ${(err as Error).message}` };
      throw err;
    }
    const r = parser.parse(line);
    return r.ok ? { ok: true } : { ok: false, reason: r.reason };
  },
};

const CRI_STAMP = ['2025-12-14T15:04:12.558000000Z', '2025-12-14T15:04:12+01:00', '2025-12-14T15:04:12Z'];

/**
 * CRI, docker json-file and kubectl unwrapping, through the parse worker's line splitter (which
 * reassembles CRI partial lines). unwrap() itself may only throw the SyntaxError of a bad `{` line.
 */
export const criLines: Target = {
  name: 'cri-lines',
  contract:
    'parseChunk(lines) never throws and gives each bad line a rejection with a reason; unwrap() throws only SyntaxError',
  maxLen: 64 * 1024,
  seeds: () => loadSeeds('cri-lines'),
  probes: longLines,
  dictionary: tokens(
    ...CRI_STAMP.map((s) => `${s} stdout F `),
    `${CRI_STAMP[0]} stdout P `,
    `${CRI_STAMP[0]} stderr F `,
    `${CRI_STAMP[0]} `,
    '{"log":"',
    '\\n","stream":"stdout"}',
    '"kubernetes":{"pod_name":"p","namespace_name":"n"}',
    '"start_time":',
    '\n',
    '\r\n',
    '\\n',
    '\u0000',
  ),
  generate(rng) {
    const n = 1 + rng.int(6);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const inner = renderText(rng.pick(ISTIO_TEXT_FORMATS).format, sample(RECORD, rng));
      const wrap = rng.int(5);
      if (wrap === 0) lines.push(`${rng.pick(CRI_STAMP)} stdout ${rng.pick(['P', 'F'])} ${inner}`);
      else if (wrap === 1) lines.push(`${rng.pick(CRI_STAMP)} ${inner}`);
      else if (wrap === 2) lines.push(JSON.stringify({ log: `${inner}\n`, stream: 'stdout' }));
      else if (wrap === 3)
        lines.push(
          JSON.stringify({ log: `${rng.pick(CRI_STAMP)} stdout F ${inner}`, kubernetes: sample(JSON_VALUE, rng) }),
        );
      else lines.push(inner);
    }
    return enc.encode(lines.join(rng.chance(0.2) ? '\r\n' : '\n'));
  },
  run(input) {
    const s = text(input);
    const first = s.slice(0, s.indexOf('\n') === -1 ? s.length : s.indexOf('\n'));
    try {
      unwrap(first);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
    const out: ParseResult = { records: [], rejections: [] };
    parseChunk({ encoding: 'lines', data: input, receiver: 'fuzz' }, { format: 'auto', maxLineBytes: 64 * 1024 }, out);
    return firstReason(out.rejections.map((r) => r.reason));
  },
};
