import { checkJsonDepth } from '../../../pipeline/json-depth.ts';
import fc from 'fast-check';
import { protoType } from '../../../pipeline/proto/load.ts';
import type { RawChunk } from '../../../pipeline/records.ts';
import { parseChunk } from '../../../processors/parse/chunk.ts';
import { httpEntryFields, tcpEntryFields } from '../../../processors/parse/decoders/als.ts';
import { otlpLogsToRecords } from '../../../processors/parse/decoders/otlp-logs.ts';
import { otlpToSpans } from '../../../processors/parse/decoders/otlp-traces.ts';
import { zipkinToSpans } from '../../../processors/parse/decoders/zipkin.ts';
import { LineParser } from '../../../processors/parse/line-parser.ts';
import type { ParseResult } from '../../../processors/parse/task.ts';
import { tokens } from '../mutate.ts';
import type { Rng } from '../rng.ts';
import { loadSeeds } from '../seeds.ts';
import { deepAnyValue, manyZipkinSpans } from './probes.ts';
import { ENGINE_ERROR, firstReason, MaskedCrash, type Outcome, type Target } from '../target.ts';
import { sample } from './lines.ts';
import { encodeRandom } from './protobuf-gen.ts';

const hdr = (...b: number[]) => Uint8Array.from(b);
/** Protobuf wire tokens: length-delimited fields with huge or negative lengths, groups, bad wire types. */
const PROTO_TOKENS = [
  hdr(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f),
  hdr(0x0a, 0x00),
  hdr(0x12, 0x80, 0x80, 0x80, 0x80, 0x10),
  hdr(0x0b),
  hdr(0x0c),
  hdr(0x0f),
  hdr(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
  hdr(0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
  hdr(0x0a, 0x02, 0x0a, 0x00),
  hdr(0x1a, 0x04, 0x0a, 0x02, 0x0a, 0x00),
];

/**
 * The wire reader (processors/parse/decoders/values.ts) is stricter than protobufjs on one point:
 * a varint longer than 10 bytes is refused, where protobufjs skips the excess of a 32-bit field.
 * That refusal names the offset: a reason, not a masked crash.
 */
const WIRE_REFUSAL = /: invalid varint at offset \d+$/;

/**
 * `decodedCleanly`: protobufjs or JSON.parse read the bytes, so a whole-chunk refusal can only
 * come from the mapping code's catch-all: an exception it should never have had.
 */
function chunkOutcome(out: ParseResult, decodedCleanly: boolean): Outcome {
  if (out.undecodable !== undefined) {
    if (decodedCleanly && !WIRE_REFUSAL.test(out.undecodable)) throw new MaskedCrash(out.undecodable);
    return { ok: false, reason: out.undecodable };
  }
  return firstReason(out.rejections.map((r) => r.reason));
}

function run(encoding: RawChunk['encoding'], input: Uint8Array, out: ParseResult): void {
  parseChunk({ encoding, data: input, receiver: 'fuzz' }, { format: 'auto', maxLineBytes: 64 * 1024 }, out);
}

/** The whole-body refusals the mappers document (plain Errors); anything else they throw is a crash. */
const SHAPE_REFUSALS =
  /^(expected a JSON object|resourceSpans is not an array|a Zipkin v2 body is a JSON array of spans|\d+ spans in one request; at most \d+ are read)$/;

/**
 * Calls the mapping code the way parseChunk does, but outside its catch-all, so that an
 * exception surfaces here with its own stack (the crash signature names the line that threw).
 */
function mapDirectly(map: (doc: Obj) => void, doc: Obj): void {
  try {
    map(doc);
  } catch (err) {
    if ((err as Error).constructor === Error && SHAPE_REFUSALS.test((err as Error).message)) return;
    throw err;
  }
}

type Obj = Record<string, any>;
const LINE_PARSER = new LineParser('auto');
const sink = (): ParseResult => ({ records: [], rejections: [], spans: [] });

/** What parseChunk does with each decoded encoding (processors/parse/chunk.ts), minus its catch-all. */
const MAPPERS: Partial<Record<RawChunk['encoding'], (doc: Obj) => void>> = {
  als: (msg) => {
    for (const e of msg.httpLogs?.logEntry ?? []) httpEntryFields(e);
    for (const e of msg.tcpLogs?.logEntry ?? []) tcpEntryFields(e);
  },
  'otlp-logs-proto': (doc) => otlpLogsToRecords(doc, LINE_PARSER, 'fuzz', sink()),
  'otlp-logs-json': (doc) => otlpLogsToRecords(doc, LINE_PARSER, 'fuzz', sink()),
  'otlp-traces-proto': (doc) => otlpToSpans(doc, 'fuzz', [], []),
  'otlp-traces-json': (doc) => otlpToSpans(doc, 'fuzz', [], []),
  'zipkin-proto': (doc) => zipkinToSpans(doc.spans ?? [], 'fuzz', [], []),
  'zipkin-json': (doc) => zipkinToSpans(doc, 'fuzz', [], []),
};

/**
 * A protobuf receiver's decoder. protobufjs may refuse the bytes (its Error or "index out of
 * range" RangeError: the sender gets 400); when it decodes them, the mapping must not throw,
 * and each bad entry needs a reason. The chunk then goes through parseChunk, as in the worker.
 */
function protoTarget(
  name: string,
  encoding: RawChunk['encoding'],
  typeName: string,
  enums: 'String' | 'Number',
): Target {
  const type = protoType(typeName);
  const map = MAPPERS[encoding]!;
  return {
    name,
    contract: `protobufjs refuses the bytes (400), or the mapping gives records and per-entry rejections with reasons without throwing; parseChunk(${encoding}) never throws`,
    maxLen: 64 * 1024,
    seeds: () => loadSeeds(name),
    dictionary: PROTO_TOKENS,
    generate: (rng) => {
      try {
        return encodeRandom(type, rng);
      } catch {
        return new Uint8Array(0);
      }
    },
    run(input) {
      let doc: Obj | undefined;
      try {
        doc = type.toObject(type.decode(input), {
          longs: String,
          enums: enums === 'String' ? String : Number,
          defaults: false,
        });
      } catch (err) {
        if (ENGINE_ERROR.test((err as Error).message)) throw err;
      }
      if (doc) mapDirectly(map, doc);
      const out: ParseResult = { records: [], rejections: [] };
      run(encoding, input, out);
      return chunkOutcome(out, doc !== undefined);
    },
  };
}

export const envoyAls = protoTarget('envoy-als', 'als', 'envoy.service.accesslog.v3.StreamAccessLogsMessage', 'String');
export const otlpLogsProto = protoTarget(
  'otlp-logs-proto',
  'otlp-logs-proto',
  'opentelemetry.proto.logs.v1.ExportLogsServiceRequest',
  'Number',
);
export const otlpTracesProto = protoTarget(
  'otlp-traces-proto',
  'otlp-traces-proto',
  'opentelemetry.proto.trace.v1.ExportTraceServiceRequest',
  'Number',
);
export const zipkinProto = protoTarget('zipkin-proto', 'zipkin-proto', 'zipkin.proto3.ListOfSpans', 'String');

/** The whole-body refusals the JSON decoders document; anything else for parseable JSON is a masked crash. */
const JSON_SHAPE_REFUSALS =
  /expected a JSON object|resourceSpans is not an array|a Zipkin v2 body is a JSON array of spans|spans in one request; at most/;
const utf8 = new TextDecoder();

function jsonTarget(
  name: string,
  encoding: RawChunk['encoding'],
  typeName: string | undefined,
  arb: fc.Arbitrary<unknown>,
): Target {
  const type = typeName ? protoType(typeName) : undefined;
  const map = MAPPERS[encoding]!;
  return {
    name,
    probes: () =>
      encoding === 'zipkin-json'
        ? [manyZipkinSpans()]
        : [deepAnyValue(encoding === 'otlp-logs-json' ? 'logs' : 'traces')],
    contract: `parseChunk(${encoding}) never throws; undecodable only for bad JSON or a body of the wrong top-level shape, with a reason; each rejected entry has a reason`,
    maxLen: 64 * 1024,
    seeds: () => loadSeeds(name),
    dictionary: tokens(
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      'null',
      'true',
      '-1',
      '1e309',
      '"resourceSpans":',
      '"resourceLogs":',
      '"scopeSpans":',
      '"scopeLogs":',
      '"spans":',
      '"logRecords":',
      '"batches":',
      '"attributes":',
      '"value":',
      '"stringValue":',
      '"intValue":',
      '"arrayValue":{"values":[',
      '"kvlistValue":{"values":[',
      '"bytesValue":',
      '"traceId":',
      '"spanId":',
      '"id":',
      '"parentId":',
      '"timestamp":',
      '"duration":',
      '"tags":',
      '"kind":',
      '"startTimeUnixNano":',
      '"body":',
      '"localEndpoint":',
      '"__proto__":',
      '"constructor":',
    ),
    generate(rng: Rng) {
      if (type && rng.chance(0.6)) {
        try {
          const msg = type.decode(encodeRandom(type, rng));
          return new TextEncoder().encode(
            JSON.stringify(type.toObject(msg, { longs: String, enums: String, bytes: String })),
          );
        } catch {
          // fall through to a free-form document
        }
      }
      return new TextEncoder().encode(JSON.stringify(sample(arb, rng)) ?? 'null');
    },
    run(input) {
      let parsed: unknown;
      let decoded = true;
      try {
        const text = utf8.decode(input);
        checkJsonDepth(text); // as the decoder does before it parses
        parsed = JSON.parse(text);
      } catch {
        decoded = false;
      }
      if (decoded && parsed !== null && typeof parsed === 'object') mapDirectly(map, parsed as Obj);
      const out: ParseResult = { records: [], rejections: [] };
      run(encoding, input, out);
      if (out.undecodable !== undefined && decoded && JSON_SHAPE_REFUSALS.test(out.undecodable))
        return { ok: false, reason: out.undecodable };
      return chunkOutcome(out, decoded);
    },
  };
}

const ANY_VALUE: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ stringValue: fc.oneof(fc.string(), fc.anything()) }),
    fc.record({ intValue: fc.oneof(fc.constantFrom('1', '-9223372036854775808', 'x'), fc.integer()) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
    fc.record({
      kvlistValue: fc.record({
        values: fc.array(fc.record({ key: fc.string(), value: tie('value') }), { maxLength: 3 }),
      }),
    }),
    fc.record({ bytesValue: fc.oneof(fc.string(), fc.anything()) }),
    fc.anything(),
  ),
})).value;
const ATTRS = fc.array(
  fc.record({ key: fc.constantFrom('guid:x-request-id', 'service.name', 'node_id', 'x'), value: ANY_VALUE }),
  { maxLength: 4 },
);
const ID = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{16}$/),
  fc.stringMatching(/^[0-9a-f]{32}$/),
  fc.base64String(),
  fc.anything(),
);
const TIME = fc.oneof(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 70n }).map(String), fc.integer(), fc.anything());
const OTLP_SPAN = fc.record(
  {
    traceId: ID,
    spanId: ID,
    parentSpanId: ID,
    name: fc.anything(),
    kind: fc.anything(),
    startTimeUnixNano: TIME,
    endTimeUnixNano: TIME,
    attributes: ATTRS,
    status: fc.anything(),
  },
  { requiredKeys: [] },
);
const OTLP_TRACES = fc.record({
  resourceSpans: fc.array(
    fc.record(
      {
        resource: fc.record({ attributes: ATTRS }),
        scopeSpans: fc.array(fc.record({ spans: fc.array(OTLP_SPAN, { maxLength: 3 }) }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 2 },
  ),
});
const OTLP_LOGS = fc.record({
  resourceLogs: fc.array(
    fc.record(
      {
        resource: fc.record({ attributes: ATTRS }),
        scopeLogs: fc.array(
          fc.record({
            logRecords: fc.array(fc.record({ body: ANY_VALUE, attributes: ATTRS, traceId: ID }, { requiredKeys: [] }), {
              maxLength: 3,
            }),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 2 },
  ),
});
const ZIPKIN_SPAN = fc.record(
  {
    traceId: ID,
    id: ID,
    parentId: ID,
    name: fc.anything(),
    kind: fc.constantFrom('CLIENT', 'SERVER', 'X'),
    timestamp: TIME,
    duration: TIME,
    localEndpoint: fc.anything(),
    tags: fc.oneof(
      fc.dictionary(
        fc.constantFrom('guid:x-request-id', 'error', 'http.status_code', 'node_id', 'response_flags'),
        fc.string(),
      ),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

export const otlpLogsJson = jsonTarget(
  'otlp-logs-json',
  'otlp-logs-json',
  'opentelemetry.proto.logs.v1.ExportLogsServiceRequest',
  OTLP_LOGS,
);
export const otlpTracesJson = jsonTarget(
  'otlp-traces-json',
  'otlp-traces-json',
  'opentelemetry.proto.trace.v1.ExportTraceServiceRequest',
  OTLP_TRACES,
);
export const zipkinJson = jsonTarget('zipkin-json', 'zipkin-json', undefined, fc.array(ZIPKIN_SPAN, { maxLength: 4 }));
