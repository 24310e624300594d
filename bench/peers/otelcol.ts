import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Collector built by test/services/otelcol.sh (its path depends on the builder config), or undefined. */
export function otelcolExe(): string | undefined {
  const script = fileURLToPath(new URL('../../test/services/otelcol.sh', import.meta.url));
  const exe = execFileSync('bash', [script, 'exe'], { encoding: 'utf8' }).trim();
  return existsSync(exe) ? exe : undefined;
}

const telemetry = (metricsPort: number) => `  telemetry:
    logs: { level: warn }
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus: { host: 127.0.0.1, port: ${metricsPort} }
`;

/** OTLP (gRPC and HTTP) in, nop out, for spans and logs: the Collector doing nothing but receive. */
export function otlpNopConfig(grpcPort: number, httpPort: number, metricsPort: number): string {
  return `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
      http: { endpoint: 127.0.0.1:${httpPort} }
exporters:
  nop:
service:
${telemetry(metricsPort)}  pipelines:
    traces: { receivers: [otlp], exporters: [nop] }
    logs: { receivers: [otlp], exporters: [nop] }
`;
}

/**
 * filelog from the beginning of one file, Istio's default text format parsed by regex_parser (with
 * its start time parsed into the record's timestamp), nop out: how Collector users read Istio lines.
 */
export function filelogRegexConfig(file: string, regex: string, metricsPort: number): string {
  return `receivers:
  filelog:
    include: [${JSON.stringify(file)}]
    start_at: beginning
    operators:
      - type: regex_parser
        regex: ${JSON.stringify(regex)}
        timestamp:
          parse_from: attributes.start_time
          layout_type: gotime
          layout: "2006-01-02T15:04:05.000Z07:00"
exporters:
  nop:
service:
${telemetry(metricsPort)}  pipelines:
    logs: { receivers: [filelog], exporters: [nop] }
`;
}
