import { checkJsonDepth } from '../../pipeline/json-depth.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { protoType } from '../../pipeline/proto/load.ts';
import type { RecordPacker } from '../../pipeline/workers/record-codec.ts';
import { httpEntryFields, tcpEntryFields } from './decoders/als.ts';
import { otlpLogsProtoToRecords, otlpLogsToRecords } from './decoders/otlp-logs.ts';
import { otlpToSpans, otlpTracesProtoToSpans } from './decoders/otlp-traces.ts';
import { otlpTracesProtoToPacked } from './decoders/otlp-traces-packed.ts';
import { decodeZipkinProto, zipkinToSpans } from './decoders/zipkin.ts';
import type { Fields } from './fields.ts';
import { LineParser, type MeshRules } from './line-parser.ts';
import { EndpointBook } from './mesh/endpoints.ts';
import { normalise } from './normalise.ts';
import { unwrap, type Unwrapped } from './unwrap.ts';
import type { ParseOptions, ParseResult } from './task.ts';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Per thread: the offline CLI reads every chunk of a file here, a worker sees the chunks it is given. */
let endpoints: EndpointBook | undefined;
const parsers = new Map<string, LineParser>();

/** One LineParser per format string (and mesh rules) per worker: compiling is done once, not per batch. */
function parserFor(format: string, mesh: MeshRules | undefined): LineParser {
  const key = mesh ? `${format}\u0000${JSON.stringify(mesh)}` : format;
  let p = parsers.get(key);
  if (!p) {
    p = new LineParser(format, mesh);
    parsers.set(key, p);
  }
  return p;
}

/**
 * Splits a chunk into lines and parses each. A bad line is rejected on its own with its line
 * number; it never takes the valid lines of its chunk down with it. With `spans` (the worker),
 * OTLP protobuf spans are written there packed, straight from the wire, not to `out.spans`.
 */
export function parseChunk(chunk: RawChunk, task: ParseOptions, out: ParseResult, spans?: RecordPacker): void {
  if (chunk.encoding === 'lines') {
    const first = out.records.length;
    parseLines(chunk, task, out);
    endpoints ??= new EndpointBook(task.maxEndpoints ?? 10_000);
    endpoints.apply(out.records.slice(first));
    return;
  }
  const parser = parserFor(
    chunk.context?.format && chunk.context.format !== 'auto' ? chunk.context.format : task.format,
    task.mesh,
  );
  try {
    switch (chunk.encoding) {
      case 'als':
        return decodeAls(chunk, out, parser);
      case 'otlp-logs-proto':
        return otlpLogsProtoToRecords(chunk.data, parser, chunk.receiver, out);
      case 'otlp-logs-json':
        return otlpLogsToRecords(jsonObject(chunk.data), parser, chunk.receiver, out);
      case 'otlp-traces-proto':
        if (spans) return otlpTracesProtoToPacked(chunk.data, chunk.receiver, spans, out.rejections);
        return otlpTracesProtoToSpans(chunk.data, chunk.receiver, (out.spans ??= []), out.rejections);
      case 'otlp-traces-json':
        return otlpToSpans(jsonObject(chunk.data), chunk.receiver, (out.spans ??= []), out.rejections);
      case 'zipkin-json':
        return zipkinToSpans(parseJson(chunk.data), chunk.receiver, (out.spans ??= []), out.rejections);
      case 'zipkin-proto':
        return zipkinToSpans(decodeZipkinProto(chunk.data), chunk.receiver, (out.spans ??= []), out.rejections);
    }
  } catch (err) {
    const reason = `${chunk.encoding} payload could not be decoded: ${(err as Error).message}`;
    out.undecodable = reason;
    out.rejections.push({ receiver: chunk.receiver, code: 'MESHLOG_DECODE_FAILED', reason, payload: chunk.data });
  }
}

const utf8 = new TextDecoder();

/** A JSON body, refused before parsing when it nests deeper than any OTLP or Zipkin body does. */
function parseJson(data: Uint8Array): unknown {
  const text = utf8.decode(data);
  checkJsonDepth(text);
  return JSON.parse(text) as unknown;
}

function jsonObject(data: Uint8Array): Record<string, unknown> {
  const v = parseJson(data);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
  return v as Record<string, unknown>;
}

/** One StreamAccessLogsMessage: the identifier (first message only) and its HTTP or TCP entries. */
function decodeAls(chunk: RawChunk, out: ParseResult, parser: LineParser): void {
  const type = protoType('envoy.service.accesslog.v3.StreamAccessLogsMessage');
  const msg = type.toObject(type.decode(chunk.data), { longs: String, enums: String, defaults: false }) as Record<
    string,
    any
  >;
  let nodeId = chunk.context?.nodeId ?? null;
  if (msg.identifier) {
    nodeId = msg.identifier.node?.id ?? null;
    out.identifier = { nodeId, logName: msg.identifier.logName ?? null };
  }
  const ctx = nodeId ? { nodeId } : undefined;
  const http = (msg.httpLogs?.logEntry ?? []) as Record<string, unknown>[];
  const tcp = (msg.tcpLogs?.logEntry ?? []) as Record<string, unknown>[];
  const entries: Array<[Fields, Record<string, unknown>]> = [
    ...http.map((e) => [httpEntryFields(e), e] as [Fields, Record<string, unknown>]),
    ...tcp.map((e) => [tcpEntryFields(e), e] as [Fields, Record<string, unknown>]),
  ];
  for (const [fields, raw] of entries) {
    try {
      out.records.push(normalise(fields, http.length ? 'envoy-als-http' : 'envoy-als-tcp', ctx, parser.options));
    } catch (err) {
      out.rejections.push({
        receiver: chunk.receiver,
        code: 'MESHLOG_PARSE_FAILED',
        reason: (err as Error).message,
        payload: JSON.stringify(raw),
      });
    }
  }
}

function parseLines(chunk: RawChunk, task: ParseOptions, out: ParseResult): void {
  const parser = parserFor(
    chunk.context?.format && chunk.context.format !== 'auto' ? chunk.context.format : task.format,
    task.mesh,
  );
  const reject = (code: string, reason: string, payload: Uint8Array | string, line: number) =>
    out.rejections.push({ receiver: chunk.receiver, code, reason, payload, line });
  let pending = '';
  let pendingLine = 0;
  forEachLine(chunk.data, (line, lineNo, raw) => {
    if (line === undefined) return reject('MESHLOG_PARSE_FAILED', 'line is not valid UTF-8', raw, lineNo);
    if (line.length > task.maxLineBytes / 3 && Buffer.byteLength(line) > task.maxLineBytes) {
      return reject('MESHLOG_LINE_TOO_LONG', `line exceeds ${task.maxLineBytes} bytes`, line, lineNo);
    }
    let u: Unwrapped;
    try {
      u = unwrap(line);
    } catch (err) {
      return reject('MESHLOG_PARSE_FAILED', `invalid JSON: ${(err as Error).message}`, line, lineNo);
    }
    // CRI splits long lines into P(artial) pieces ending in one F(ull) piece: glue them back.
    if (u.partial) {
      if (!pending) pendingLine = lineNo;
      pending += u.line;
      return;
    }
    if (pending) {
      u = { ...u, line: pending + u.line, json: undefined };
      pending = '';
    }
    // One line that breaks the parser is that line's rejection: it never takes its chunk down.
    let result: ReturnType<typeof parser.parseUnwrapped>;
    try {
      result = parser.parseUnwrapped(u);
    } catch (err) {
      return reject('MESHLOG_PARSE_FAILED', `parser error: ${(err as Error).message}`, line, lineNo);
    }
    if (result.ok) out.records.push(result.record);
    else reject('MESHLOG_PARSE_FAILED', result.reason, line, lineNo);
  });
  if (pending) reject('MESHLOG_PARSE_FAILED', 'CRI partial line without its final part', pending, pendingLine);
}

/**
 * Bytes decoded at once: a piece ends at the first newline past this. A chunk decoded whole (a
 * 400 KB HTTP body) was one string in V8's large-object space, which only a full GC frees: the
 * parse worker's old generation grew by every chunk it read. Pieces stay in the young generation.
 */
const PIECE_BYTES = 32 * 1024;

/**
 * Calls `fn` for every non-empty line, with its 1-based line number in `data`. Each piece of
 * ~PIECE_BYTES is decoded at once (fast path); only in a piece that is not valid UTF-8 are lines
 * decoded one by one, so the bad ones can be named. Pieces end at a newline, so none splits a
 * line or a UTF-8 sequence.
 */
export function forEachLine(
  data: Uint8Array,
  fn: (line: string | undefined, lineNo: number, raw: Uint8Array) => void,
  pieceBytes = PIECE_BYTES,
): void {
  let lineNo = 0;
  for (let pos = 0; pos < data.length;) {
    const newline = pos + pieceBytes >= data.length ? -1 : data.indexOf(10, pos + pieceBytes - 1);
    const end = newline === -1 ? data.length : newline + 1;
    lineNo = forEachLineOfPiece(data, pos, end, lineNo, fn);
    pos = end;
  }
}

/** The lines of `data[from, to)`, numbered on from `lineNo`; returns the last number given. */
function forEachLineOfPiece(
  data: Uint8Array,
  from: number,
  to: number,
  lineNo: number,
  fn: (line: string | undefined, lineNo: number, raw: Uint8Array) => void,
): number {
  const piece = data.subarray(from, to);
  let text: string | undefined;
  try {
    text = fatalUtf8.decode(piece);
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      lineNo++;
      let line = text.slice(start, end);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim().length > 0) fn(line, lineNo, data);
      start = end + 1;
    }
    return lineNo;
  }
  let start = 0;
  while (start < piece.length) {
    let end = piece.indexOf(10, start);
    if (end === -1) end = piece.length;
    lineNo++;
    const raw = piece.subarray(start, end);
    let line: string | undefined;
    try {
      line = fatalUtf8.decode(raw).replace(/\r$/, '');
    } catch {
      line = undefined;
    }
    if (line === undefined || line.trim().length > 0) fn(line, lineNo, raw);
    start = end + 1;
  }
  return lineNo;
}
