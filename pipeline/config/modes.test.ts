import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Factory } from '../factory.ts';
import { loadConfigText } from './load.ts';
import { checkModes } from './modes.ts';
import type { Mode } from './service.ts';

// Stand-ins for the registry: only the kind and type name matter to the mode check.
const fake = (kind: Factory['kind'], type: string) =>
  ({ kind, type, config: z.object({}).passthrough(), create: () => undefined }) as unknown as Factory;
const FACTORIES: Factory[] = [
  fake('receiver', 'http_lines'),
  fake('receiver', 'kafka'),
  fake('processor', 'parse'),
  fake('processor', 'join'),
  fake('exporter', 'kafka'),
  fake('exporter', 'file'),
];

const COMPONENTS = `
receivers: { http_lines: {}, kafka: {} }
processors: { parse: {}, join: {} }
exporters: { kafka: {}, kafka/windows: {}, file: {} }
`;

function issues(pipelines: string, mode?: Mode): string[] {
  const loaded = loadConfigText(`${COMPONENTS}service:\n  pipelines:\n${pipelines}`, FACTORIES, {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return checkModes(loaded.config, mode).map((i) => `${i.path}: ${i.message}`);
}

describe('checkModes', () => {
  const agent = `    agent: { receivers: [http_lines], processors: [parse], exporters: [kafka], modes: [agent] }\n`;
  const processor = `    requests: { receivers: [kafka], processors: [join], exporters: [file, kafka/windows], modes: [processor] }\n`;

  it.each<[string, string, Mode | undefined, string[]]>([
    ['an agent pipeline for mode agent', agent, 'agent', []],
    ['a processor pipeline for mode processor', processor, 'processor', []],
    ['both, each against the modes it declares', agent + processor, undefined, []],
    [
      'a join in the agent',
      `    a: { receivers: [http_lines], processors: [parse, join], exporters: [kafka], modes: [agent] }\n`,
      'agent',
      ['service.pipelines.a.processors.1: processor type "join" does not run in mode agent (allowed: parse)'],
    ],
    [
      'an HTTP receiver in the processor',
      `    p: { receivers: [http_lines], exporters: [file], modes: [processor] }\n`,
      undefined,
      ['service.pipelines.p.receivers.0: receiver type "http_lines" does not run in mode processor (allowed: kafka)'],
    ],
    [
      'a file exporter in the agent',
      `    a: { receivers: [http_lines], processors: [parse], exporters: [file], modes: [agent] }\n`,
      'agent',
      ['service.pipelines.a.exporters.0: exporter type "file" does not run in mode agent (allowed: kafka, blackhole)'],
    ],
    [
      'a mode without a pipeline',
      agent,
      'signals',
      ['service.pipelines: no pipeline runs in mode "signals" (set modes: [signals])'],
    ],
    [
      'mode all runs anything',
      `    x: { receivers: [http_lines], processors: [parse, join], exporters: [file, kafka] }\n`,
      'all',
      [],
    ],
  ])('%s', (_name, pipelines, mode, expected) => {
    expect(issues(pipelines, mode)).toEqual(expected);
  });
});
