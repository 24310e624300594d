import type { Target } from '../target.ts';
import { criLines, formatString, istioJson, istioText } from './lines.ts';
import { fluentBitHttp, fluentForward } from './msgpack.ts';
import {
  envoyAls,
  otlpLogsJson,
  otlpLogsProto,
  otlpTracesJson,
  otlpTracesProto,
  zipkinJson,
  zipkinProto,
} from './protobuf.ts';

/** Every receiver decoder and parser under fuzz, by name. */
export const TARGETS: Record<string, Target> = Object.fromEntries(
  [
    istioText,
    istioJson,
    formatString,
    criLines,
    fluentForward,
    fluentBitHttp,
    envoyAls,
    otlpLogsProto,
    otlpLogsJson,
    otlpTracesProto,
    otlpTracesJson,
    zipkinProto,
    zipkinJson,
  ].map((t) => [t.name, t]),
);
