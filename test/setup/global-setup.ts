import type { TestProject } from 'vitest/node';
import { portOpen, serviceScript, SERVICE_DEFAULTS, type ServiceName } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    esUrl: string;
    kafkaBrokers: string;
    jaegerUrl: string;
    otelcolUrl: string;
  }
}

/**
 * Gives the integration tests real servers. For each one: a MESHLOG_TEST_* variable points at a
 * server the user runs (nothing is started); a server already listening on its port is reused;
 * otherwise test/services installs and starts it. Teardown stops only what this setup started.
 * A missing toolchain fails the run with the script's message; nothing is skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: ServiceName[] = [];
  const urls = {} as Record<ServiceName, string>;
  for (const name of Object.keys(SERVICE_DEFAULTS) as ServiceName[]) {
    const d = SERVICE_DEFAULTS[name];
    const override = d.env ? process.env[d.env] : undefined;
    if (override) {
      urls[name] = override;
      continue;
    }
    urls[name] = d.url;
    if (await portOpen(d.port)) continue;
    const t0 = Date.now();
    await serviceScript(name, 'start');
    started.push(name);
    console.log(`[integration] started ${name} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  project.provide('esUrl', urls.elasticsearch);
  project.provide('kafkaBrokers', urls.kafka);
  project.provide('jaegerUrl', urls.jaeger);
  project.provide('otelcolUrl', urls.otelcol);
  return async () => {
    for (const name of started.reverse()) await serviceScript(name, 'stop');
  };
}
