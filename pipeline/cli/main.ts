import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { runCommand } from './commands/run.ts';
import { validateConfigCommand } from './commands/validate-config.ts';
import { parseCommand } from './commands/parse.ts';
import { spansCommand } from './commands/spans.ts';
import { joinCommand } from './commands/join.ts';
import { analyzeCommand, breakerCommand, recommendCommand } from './commands/signals.ts';
import { kibanaImportCommand, SAVED_OBJECTS } from './commands/kibana.ts';
import { MODES } from '../config/service.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export async function main(argv: string[]): Promise<void> {
  const program = new Command('meshlog')
    .description(
      'Joins Envoy access logs and spans by x-request-id and turns them into canary, breaker and rate-limit signals.',
    )
    .version(pkg.version, '-v, --version');

  program
    .command('run')
    .description('Run meshlog on a config (the embedded default when --config is not given).')
    .option('-c, --config <file>', 'YAML config file')
    .addOption(new Option('-m, --mode <mode>', 'which part of the topology to run').choices(MODES).default('all'))
    .action(runCommand);

  program
    .command('validate-config')
    .description('Check a config file; exit 0 when valid, otherwise list every bad path and exit 1.')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .addOption(new Option('-m, --mode <mode>', 'also check that the config runs in this mode').choices(MODES))
    .action(validateConfigCommand);

  program
    .command('parse')
    .description('Parse access-log lines offline: records as NDJSON on stdout, rejections and a summary on stderr.')
    .option('-f, --format <format>', "auto, istio-text, istio-json or 'envoy:<format string>'", 'auto')
    .option('--max-line-bytes <n>', 'reject longer lines', (v) => Number(v), 65536)
    .argument('[files...]', 'files to read; - or none for stdin')
    .action(parseCommand);

  program
    .command('spans')
    .description(
      'Normalise spans offline (OTLP JSON, a Tempo/Jaeger `batches` response, or Zipkin v2 JSON) and print them as NDJSON.',
    )
    .argument('<file>', 'file to read, or - for stdin')
    .action(spansCommand);

  program
    .command('join')
    .description('Join access logs and spans by x-request-id offline, on event time; prints RequestDocs as NDJSON.')
    .requiredOption('--logs <files...>', 'access-log files (any format `meshlog parse` reads)')
    .option('--spans <files...>', 'span files (OTLP JSON, Tempo/Jaeger batches, or Zipkin v2 JSON)')
    .option('--idle <duration>', 'emit a request after it has been quiet this long', '5s')
    .option('--max-age <duration>', 'emit a request at the latest this long after it started', '60s')
    .option('-f, --format <format>', 'access-log format, as for parse', 'auto')
    .option('--no-synthesize', 'do not synthesise spans for failed requests without any')
    .action(joinCommand);

  program
    .command('analyze')
    .description(
      'Judge a canary against its baseline from access logs, on event time; prints the same JSON as GET /v1/canary.',
    )
    .requiredOption('--logs <files...>', 'access-log files')
    .option('--namespace <ns>', 'destination namespace')
    .requiredOption('--service <name>', 'destination service')
    .requiredOption('--canary <subset>', 'canary subset (or service)')
    .requiredOption('--baseline <subset>', 'baseline subset (or service)')
    .option('--window <duration>', 'window length', '5m')
    .option('--end <iso>', 'window end (default: the newest event)')
    .option('-f, --format <format>', 'access-log format, as for parse', 'auto')
    .option('--html <file>', 'also write the canary view as one self-contained HTML file')
    .action(analyzeCommand);

  program
    .command('breaker')
    .description('Replay access logs through per-edge circuit breakers; prints transitions as NDJSON.')
    .requiredOption('--logs <files...>', 'access-log files')
    .addOption(
      new Option('--policy <policy>', 'breaker defaults').choices(['hystrix', 'resilience4j']).default('hystrix'),
    )
    .option('-f, --format <format>', 'access-log format, as for parse', 'auto')
    .action(breakerCommand);

  program
    .command('recommend')
    .description('Istio DestinationRule and local rate-limit recommendations from access logs, as YAML.')
    .requiredOption('--logs <files...>', 'access-log files')
    .option('-f, --format <format>', 'access-log format, as for parse', 'auto')
    .option('--json', 'print JSON instead of YAML')
    .action(recommendCommand);

  program
    .command('kibana')
    .description('Kibana helpers.')
    .command('import')
    .description("Load meshlog's data views and dashboards into Kibana (saved-objects import API).")
    .requiredOption('--url <url>', 'Kibana base URL, e.g. http://kibana:5601')
    .option('--file <ndjson>', 'saved objects to import', SAVED_OBJECTS)
    .option('--space <id>', 'Kibana space')
    .option('--user <name>', 'basic-auth user')
    .option('--password <password>', 'basic-auth password')
    .option('--meshlog-url <url>', "meshlog's admin server as a browser reaches it (canary-view links)")
    .action(kibanaImportCommand);

  (await import('./commands/deploy.ts')).registerDeployCommand(program);

  await program.parseAsync(argv);
}
