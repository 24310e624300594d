import { posix } from 'node:path';
import { copies, type Stage } from './dockerfile.ts';

/** Where a file of the image comes from: a build-context path, or an absolute path of an earlier stage. */
export interface Source {
  /** The stage copied from; undefined for the build context. */
  from?: string;
  path: string;
}

/**
 * The source of an image path: the last COPY that writes it. COPY puts a directory's contents at the
 * destination and a file at it (or under it, for a destination ending in / or several sources), so a
 * context source's kind is asked of `isContextDir`; a stage source is taken to be a directory.
 */
export function sourceOf(stage: Stage, imagePath: string, isContextDir: (p: string) => boolean): Source | undefined {
  let found: Source | undefined;
  for (const c of copies(stage)) {
    for (const raw of c.sources) {
      const src = posix.normalize(raw).replace(/\/$/, '');
      const dir = c.from !== undefined || isContextDir(src);
      const intoDest = c.dest.endsWith('/') || c.sources.length > 1;
      const target = dir || !intoDest ? c.dest.replace(/\/$/, '') : posix.join(c.dest, posix.basename(src));
      if (imagePath === target || (dir && imagePath.startsWith(`${target}/`)))
        found = { from: c.from, path: posix.join(src, imagePath.slice(target.length)) };
    }
  }
  return found;
}

/** The shell commands of a stage's RUN instructions, split at && and ;. */
function commands(stage: Stage): string[][] {
  return stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .flatMap((i) => i.args.split(/&&|;/))
    .map((c) => c.trim().split(/\s+/));
}

/** Directories a stage's RUN instructions make with `mkdir -p`. */
export function madeDirs(stage: Stage): string[] {
  return commands(stage)
    .filter((c) => c[0] === 'mkdir' && c[1] === '-p')
    .flatMap((c) => c.slice(2));
}

/** The owner (`uid:gid`) a stage's RUN instructions `chown` each path to. */
export function owners(stage: Stage): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of commands(stage).filter((c) => c[0] === 'chown')) for (const p of c.slice(2)) out.set(p, c[1]);
  return out;
}

/** The value of `--flag value` in a command, if present. */
const flag = (c: string[], name: string) => (c.includes(name) ? c[c.indexOf(name) + 1] : undefined);

/** The users (`useradd --uid U --gid G`) and groups (`groupadd --gid G`) a stage's RUN instructions add. */
export function accounts(stage: Stage): { users: { uid: string; gid?: string }[]; groups: string[] } {
  const cs = commands(stage);
  return {
    users: cs.filter((c) => c[0] === 'useradd').map((c) => ({ uid: flag(c, '--uid')!, gid: flag(c, '--gid') })),
    groups: cs.filter((c) => c[0] === 'groupadd').map((c) => flag(c, '--gid')!),
  };
}

/** Whether a stage runs `npm ci` with the given flag. */
export function runsNpmCi(stage: Stage, withFlag: string): boolean {
  return commands(stage).some((c) => c[0] === 'npm' && c[1] === 'ci' && c.includes(withFlag));
}
