import { posix } from 'node:path';

/**
 * A reader of meshlog's own Dockerfile, for the image checks (there is no Docker on the test machines).
 * It knows the instructions that file uses and throws on any other, so a Dockerfile change it cannot
 * model fails the checks instead of passing them unread.
 */

export interface Instruction {
  keyword: string;
  /** The argument text, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The base image, build arguments substituted. */
  from: string;
  name?: string;
  instructions: Instruction[];
}

const KNOWN = new Set(['ARG', 'FROM', 'WORKDIR', 'COPY', 'RUN', 'USER', 'ENV', 'ENTRYPOINT', 'CMD', 'LABEL', 'EXPOSE']);

export function parseDockerfile(text: string): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  let pending = '';
  let startLine = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (pending === '') startLine = i + 1;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(pending)!;
    pending = '';
    const k = keyword.toUpperCase();
    if (!KNOWN.has(k)) throw new Error(`Dockerfile line ${startLine}: the image checks do not model ${k}`);
    if (k === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`Dockerfile line ${startLine}: FROM ${args} is not "FROM image [AS name]"`);
      const from = m[1].replace(/\$\{?(\w+)\}?/g, (_, v: string) => {
        const value = globalArgs.get(v);
        if (value === undefined) throw new Error(`Dockerfile line ${startLine}: ${v} has no default`);
        return value;
      });
      stages.push({ from, name: m[2], instructions: [] });
    } else if (k === 'ARG' && stages.length === 0) {
      const [name, value] = args.split('=', 2);
      if (value !== undefined) globalArgs.set(name, value);
    } else {
      if (stages.length === 0) throw new Error(`Dockerfile line ${startLine}: ${k} before FROM`);
      stages.at(-1)!.instructions.push({ keyword: k, args, line: startLine });
    }
  }
  return stages;
}

/** The exec (JSON array) form of ENTRYPOINT or CMD; the shell form would run meshlog under sh. */
export function execForm(i: Instruction): string[] {
  const value: unknown = JSON.parse(i.args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error(`Dockerfile line ${i.line}: ${i.keyword} is not in exec form`);
  return value;
}

/** The last instruction of a kind in a stage, if any. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.findLast((i) => i.keyword === keyword);
}

export interface Copy {
  /** The stage copied from; undefined for the build context. */
  from?: string;
  sources: string[];
  /** Absolute path in the image (WORKDIR applied). */
  dest: string;
  line: number;
}

/** Each instruction of a stage with the WORKDIR in force when it runs. */
function* withWorkdir(stage: Stage): Generator<[Instruction, string]> {
  let workdir = '/';
  for (const i of stage.instructions) {
    if (i.keyword === 'WORKDIR') workdir = posix.resolve(workdir, i.args);
    yield [i, workdir];
  }
}

/** The WORKDIR in force at the end of a stage: where ENTRYPOINT and CMD run. */
export function workdirOf(stage: Stage): string {
  let workdir = '/';
  for (const [, w] of withWorkdir(stage)) workdir = w;
  return workdir;
}

/** A stage's COPY instructions in order, with their destinations made absolute by the WORKDIR in force. */
export function copies(stage: Stage): Copy[] {
  const out: Copy[] = [];
  for (const [i, workdir] of withWorkdir(stage)) {
    if (i.keyword !== 'COPY') continue;
    if (i.args.startsWith('[')) throw new Error(`Dockerfile line ${i.line}: the image checks do not model COPY [..]`);
    const words = i.args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    const dest = posix.resolve(workdir, paths.at(-1)!) + (paths.at(-1)!.endsWith('/') ? '/' : '');
    out.push({ from, sources: paths.slice(0, -1), dest, line: i.line });
  }
  return out;
}
