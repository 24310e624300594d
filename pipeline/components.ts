import type { Factory } from './factory.ts';
import { httpLinesFactory } from '../ingest/http_lines/receiver.ts';
import { envoyAlsFactory } from '../ingest/envoy_als/receiver.ts';
import { otlpFactory } from '../ingest/otlp/receiver.ts';
import { fluentForwardFactory } from '../ingest/fluent_forward/receiver.ts';
import { zipkinFactory } from '../ingest/zipkin/receiver.ts';
import { kafkaReceiverFactory } from '../ingest/kafka/receiver.ts';
import { parseFactory } from '../processors/parse/processor.ts';
import { labelsFactory } from '../processors/labels/processor.ts';
import { joinFactory } from '../processors/join/processor.ts';
import { fileFactory } from '../exporters/file/exporter.ts';
import { blackholeFactory } from '../exporters/blackhole/exporter.ts';
import { elasticsearchFactory } from '../exporters/elasticsearch/exporter.ts';
import { otlpExporterFactory } from '../exporters/otlp/exporter.ts';
import { signalsFactory } from '../processors/signals/processor.ts';
import { kafkaExporterFactory } from '../exporters/kafka/exporter.ts';

/** Every component type this build of meshlog knows, by kind and type name. */
export const FACTORIES: readonly Factory[] = [
  httpLinesFactory,
  envoyAlsFactory,
  otlpFactory,
  fluentForwardFactory,
  zipkinFactory,
  kafkaReceiverFactory,
  parseFactory,
  labelsFactory,
  joinFactory,
  signalsFactory,
  fileFactory,
  blackholeFactory,
  elasticsearchFactory,
  otlpExporterFactory,
  kafkaExporterFactory,
];
