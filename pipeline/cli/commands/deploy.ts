import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { parse } from 'yaml';
import type { z } from 'zod';
import { fluentBitSettings } from '../../../deploy/fluent-bit/settings.ts';
import { fluentBitClassic, fluentBitYaml } from '../../../deploy/fluent-bit/generate.ts';
import { istioSettings } from '../../../deploy/istio/settings.ts';
import { istioYaml, type IstioPart } from '../../../deploy/istio/generate.ts';

/** Reads a settings file (YAML) through its schema; every bad key is reported with its path, then exit 1. */
function loadSettings<S extends z.ZodType>(schema: S, file: string | undefined, overrides: object): z.infer<S> | null {
  let raw: unknown = {};
  if (file) {
    try {
      raw = parse(readFileSync(file, 'utf8')) ?? {};
    } catch (err) {
      process.stderr.write(`${file}: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return null;
    }
  }
  const merged = {
    ...(raw as object),
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
  const result = schema.safeParse(merged);
  if (result.success) return result.data;
  const where = file ?? 'settings';
  for (const i of result.error.issues)
    process.stderr.write(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}\n`);
  process.exitCode = 1;
  return null;
}

const collect = (v: string, all: string[]) => [...all, v];

/** `meshlog deploy fluent-bit|istio`: print the configuration other charts install, for the same settings as this chart. */
export function registerDeployCommand(program: Command): void {
  const deploy = program.command('deploy').description('Print cluster configuration that sends the mesh to meshlog.');

  deploy
    .command('fluent-bit')
    .description(
      "Fluent Bit config (YAML; classic with --classic) tailing the istio-proxy logs and forwarding to the node's agent.",
    )
    .option(
      '-c, --config <file>',
      'settings YAML (agentHost, agentPort, containerName, memBufLimit, storageTotalLimitSize, flushSeconds)',
    )
    .option('--classic', 'print the classic fluent-bit.conf format')
    .action((opts: { config?: string; classic?: boolean }) => {
      const s = loadSettings(fluentBitSettings, opts.config, {});
      if (s) process.stdout.write(opts.classic ? fluentBitClassic(s) : fluentBitYaml(s));
    });

  deploy
    .command('istio')
    .description(
      "Istio meshConfig.extensionProviders (access logs and traces to the node's agent) and the Telemetry resources that enable them.",
    )
    .option('-c, --config <file>', 'settings YAML (the keys of the flags below, camelCase)')
    .option('--agent-host <host>', 'agent Service FQDN')
    .addOption(
      new Option('--access-log-provider <kind>', 'access-log provider').choices(['envoyHttpAls', 'envoyOtelAls']),
    )
    .option('--no-tracing', 'do not send traces to the agent')
    .option('--sampling <percent>', 'random sampling percentage', Number)
    .option('--no-mesh-wide', 'no Telemetry in the root namespace')
    .option('--root-namespace <ns>', "Istio's root namespace")
    .option('--namespace <ns>', 'a namespace that gets its own Telemetry (repeatable)', collect, [])
    .option(
      '--waypoint <ns/name>',
      'an ambient waypoint Gateway that gets a Telemetry with targetRefs (repeatable)',
      collect,
      [],
    )
    .option('--header <name>', 'a request header the ALS entries carry (repeatable)', collect, [])
    .addOption(new Option('--only <part>', 'print one part').choices(['meshconfig', 'telemetry']))
    .action(
      (opts: {
        config?: string;
        agentHost?: string;
        accessLogProvider?: string;
        tracing: boolean;
        sampling?: number;
        meshWide: boolean;
        rootNamespace?: string;
        namespace: string[];
        waypoint: string[];
        header: string[];
        only?: IstioPart;
      }) => {
        const bad = opts.waypoint.find((w) => !/^[^/]+\/[^/]+$/.test(w));
        if (bad) {
          process.stderr.write(`--waypoint ${bad}: expected <namespace>/<gateway name>\n`);
          process.exitCode = 1;
          return;
        }
        const s = loadSettings(istioSettings, opts.config, {
          agentHost: opts.agentHost,
          accessLogProvider: opts.accessLogProvider,
          // Commander's --no-x flags default to true; only an explicit --no-x overrides the file.
          tracing: opts.tracing ? undefined : false,
          meshWide: opts.meshWide ? undefined : false,
          samplingPercentage: opts.sampling,
          rootNamespace: opts.rootNamespace,
          namespaces: opts.namespace.length ? opts.namespace : undefined,
          waypoints: opts.waypoint.length
            ? opts.waypoint.map((w) => ({ namespace: w.split('/')[0], name: w.split('/')[1] }))
            : undefined,
          headers: opts.header.length ? opts.header : undefined,
        });
        if (s) process.stdout.write(istioYaml(s, opts.only ?? 'all'));
      },
    );
}
