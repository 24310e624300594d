import {
  lazyFactory,
  type ExporterFactory,
  type Factory,
  type ProcessorFactory,
  type ReceiverFactory,
} from './factory.ts';
import { httpLinesConfig } from '../ingest/http_lines/config.ts';
import { envoyAlsConfig } from '../ingest/envoy_als/config.ts';
import { otlpConfig } from '../ingest/otlp/config.ts';
import { fluentForwardConfig } from '../ingest/fluent_forward/config.ts';
import { zipkinConfig } from '../ingest/zipkin/config.ts';
import { kafkaReceiverConfig } from '../ingest/kafka/config.ts';
import { parseConfig } from '../processors/parse/config.ts';
import { labelsConfig } from '../processors/labels/config.ts';
import { joinConfig } from '../processors/join/config.ts';
import { signalsConfig } from '../processors/signals/config.ts';
import { fileConfig } from '../exporters/file/config.ts';
import { blackholeConfig } from '../exporters/blackhole/config.ts';
import { elasticsearchConfig } from '../exporters/elasticsearch/config.ts';
import { otlpExporterConfig } from '../exporters/otlp/config.ts';
import { kafkaExporterConfig } from '../exporters/kafka/config.ts';

/**
 * Every component type this build of meshlog knows, by kind and type name. Each one's module is
 * imported when a config uses it (`load`), not when meshlog starts.
 */
export const FACTORIES: readonly Factory[] = [
  lazyFactory<ReceiverFactory>(
    'receiver',
    'http_lines',
    httpLinesConfig,
    async () => (await import('../ingest/http_lines/receiver.ts')).httpLinesFactory,
  ),
  lazyFactory<ReceiverFactory>(
    'receiver',
    'envoy_als',
    envoyAlsConfig,
    async () => (await import('../ingest/envoy_als/receiver.ts')).envoyAlsFactory,
  ),
  lazyFactory<ReceiverFactory>(
    'receiver',
    'otlp',
    otlpConfig,
    async () => (await import('../ingest/otlp/receiver.ts')).otlpFactory,
  ),
  lazyFactory<ReceiverFactory>(
    'receiver',
    'fluent_forward',
    fluentForwardConfig,
    async () => (await import('../ingest/fluent_forward/receiver.ts')).fluentForwardFactory,
  ),
  lazyFactory<ReceiverFactory>(
    'receiver',
    'zipkin',
    zipkinConfig,
    async () => (await import('../ingest/zipkin/receiver.ts')).zipkinFactory,
  ),
  lazyFactory<ReceiverFactory>(
    'receiver',
    'kafka',
    kafkaReceiverConfig,
    async () => (await import('../ingest/kafka/receiver.ts')).kafkaReceiverFactory,
  ),
  lazyFactory<ProcessorFactory>(
    'processor',
    'parse',
    parseConfig,
    async () => (await import('../processors/parse/processor.ts')).parseFactory,
  ),
  lazyFactory<ProcessorFactory>(
    'processor',
    'labels',
    labelsConfig,
    async () => (await import('../processors/labels/processor.ts')).labelsFactory,
  ),
  lazyFactory<ProcessorFactory>(
    'processor',
    'join',
    joinConfig,
    async () => (await import('../processors/join/processor.ts')).joinFactory,
  ),
  lazyFactory<ProcessorFactory>(
    'processor',
    'signals',
    signalsConfig,
    async () => (await import('../processors/signals/processor.ts')).signalsFactory,
  ),
  lazyFactory<ExporterFactory>(
    'exporter',
    'file',
    fileConfig,
    async () => (await import('../exporters/file/exporter.ts')).fileFactory,
  ),
  lazyFactory<ExporterFactory>(
    'exporter',
    'blackhole',
    blackholeConfig,
    async () => (await import('../exporters/blackhole/exporter.ts')).blackholeFactory,
  ),
  lazyFactory<ExporterFactory>(
    'exporter',
    'elasticsearch',
    elasticsearchConfig,
    async () => (await import('../exporters/elasticsearch/exporter.ts')).elasticsearchFactory,
  ),
  lazyFactory<ExporterFactory>(
    'exporter',
    'otlp',
    otlpExporterConfig,
    async () => (await import('../exporters/otlp/exporter.ts')).otlpExporterFactory,
  ),
  lazyFactory<ExporterFactory>(
    'exporter',
    'kafka',
    kafkaExporterConfig,
    async () => (await import('../exporters/kafka/exporter.ts')).kafkaExporterFactory,
  ),
];
