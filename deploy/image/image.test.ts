import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { meshlogContainers, renderedObjects } from '../helm/rendering.ts';
import { dockerignore } from './dockerignore.ts';
import { copies, execForm, last, parseDockerfile, workdirOf } from './dockerfile.ts';
import { accounts, madeDirs, owners, runsNpmCi, sourceOf } from './layout.ts';
import { runtimeFiles } from './runtime-files.ts';

// The image is not built here (no Docker on the test machines): these checks read the Dockerfile and
// .dockerignore against the chart's committed renderings (test/deploy checks those against the chart)
// and against what meshlog loads when it runs.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

const stages = parseDockerfile(read('Dockerfile'));
const image = stages.at(-1)!;
const workdir = workdirOf(image);
const ignored = dockerignore(read('.dockerignore'));
const pkg = JSON.parse(read('package.json'));
const lock = JSON.parse(read('package-lock.json'));
const BIN = posix.normalize(pkg.bin.meshlog as string);
const runtime = runtimeFiles(ROOT, BIN);

const repository = parse(read('deploy/helm/meshlog/values.yaml')).image.repository as string;
const profiles = readdirSync(join(ROOT, 'deploy/rendered')).filter((f) => f.endsWith('.yaml'));
const containers = profiles.flatMap((f) =>
  meshlogContainers(renderedObjects(read(`deploy/rendered/${f}`)), repository).map((c) => ({
    ...c,
    who: `${f}: ${c.workload.kind} ${c.workload.metadata.name}`,
  })),
);

const isContextDir = (p: string) => statSync(join(ROOT, p), { throwIfNoEntry: false })?.isDirectory() ?? false;
/** The build-context path an image path is copied from, when that path exists and .dockerignore keeps it. */
function fromContext(imagePath: string): string | undefined {
  const s = sourceOf(image, imagePath, isContextDir);
  return s && s.from === undefined && existsSync(join(ROOT, s.path)) && !ignored(s.path) ? s.path : undefined;
}
function filesUnder(p: string): string[] {
  if (!isContextDir(p)) return [p];
  return readdirSync(join(ROOT, p)).flatMap((f) => filesUnder(posix.join(p, f)));
}
/** Directories every node:*-slim base image has. */
const BASE_DIRS = ['/tmp'];

describe('the meshlog image (Dockerfile), checked against the chart without building it', () => {
  it('runs as the numeric non-root UID:GID of the chart pods, a user it creates', () => {
    expect(containers.length).toBeGreaterThanOrEqual(8); // every profile's meshlog pods and the Kibana import Job
    const user = last(image, 'USER')!.args;
    for (const c of containers) {
      const sc = c.pod.securityContext;
      expect(user, c.who).toBe(`${sc.runAsUser}:${sc.runAsGroup}`);
      expect(c.container.securityContext.runAsNonRoot ?? sc.runAsNonRoot, c.who).toBe(true);
    }
    const [uid, gid] = user.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(accounts(image).groups).toContain(gid);
    expect(accounts(image).users).toContainEqual({ uid, gid });
  });

  it("ENTRYPOINT is node on the package's bin; the chart passes args only, each naming a meshlog command", async () => {
    const entry = execForm(last(image, 'ENTRYPOINT')!);
    expect(entry).toEqual(['node', BIN]);
    expect(fromContext(posix.resolve(workdir, entry[1]))).toBe(BIN);
    const argLists = [...containers.map((c) => c.container.args as string[]), execForm(last(image, 'CMD')!)];
    for (const c of containers) expect(c.container.command, c.who).toBeUndefined();
    // The words before the first option are the (sub)command: `run`, `kibana import`.
    const commands = [
      ...new Set(
        argLists.map((a) =>
          a
            .slice(
              0,
              a.findIndex((w) => w.startsWith('-')),
            )
            .join(' '),
        ),
      ),
    ];
    expect(commands).toEqual(expect.arrayContaining(['run', 'kibana import']));
    await Promise.all(
      commands.map(async (command) => {
        const { stdout } = await run(process.execPath, [join(ROOT, BIN), ...command.split(' '), '--help']);
        expect(stdout, `meshlog has no command "${command}"`).toMatch(new RegExp(`^Usage: meshlog ${command} `));
      }),
    );
  }, 60_000); // two CLI processes; a busy machine starts them slowly

  it('every stage is built on the Node major the tests run on (the node devDependency)', () => {
    const major = Number(/\d+/.exec(pkg.devDependencies.node)![0]);
    for (const s of stages) expect(Number(/^node:(\d+)[.-]/.exec(s.from)?.[1]), s.from).toBe(major);
    // Dependencies are installed by the npm and Node that run them.
    expect(new Set(stages.map((s) => s.from)).size).toBe(1);
  });

  it('node_modules is `npm ci --omit=dev` over the lockfile and has every package meshlog imports at run time', () => {
    const nm = sourceOf(image, posix.join(workdir, 'node_modules'), isContextDir)!;
    const deps = stages.find((s) => s.name === nm.from)!;
    expect(deps, 'node_modules is not copied from a dependency stage').toBeDefined();
    expect(nm.path).toBe(posix.join(workdirOf(deps), 'node_modules'));
    expect(runsNpmCi(deps, '--omit=dev')).toBe(true);
    for (const f of ['package.json', 'package-lock.json']) {
      expect(sourceOf(deps, posix.join(workdirOf(deps), f), isContextDir)).toEqual({ from: undefined, path: f });
      expect(ignored(f)).toBe(false);
    }
    expect(runtime.packages.size).toBeGreaterThan(10);
    for (const [name, by] of runtime.packages) {
      expect(pkg.dependencies, `${name} (imported by ${by}) is not a production dependency`).toHaveProperty([name]);
      expect(lock.packages[`node_modules/${name}`]?.dev, `${name} is a dev package in the lockfile`).toBeUndefined();
    }
  });

  it('every module and data file meshlog loads at run time is in the image, at its repository path', () => {
    // The walk reached the CLI, the parse worker thread, the protos, the UI page and the Kibana objects.
    expect(runtime.modules).toEqual(
      expect.arrayContaining([BIN, 'pipeline/cli/main.ts', 'processors/parse/worker.ts']),
    );
    expect(runtime.data).toEqual(
      expect.arrayContaining(['pipeline/proto', 'processors/signals/ui/page', 'deploy/kibana/meshlog.ndjson']),
    );
    const needed = [...runtime.modules, ...runtime.data.flatMap(filesUnder), 'package.json'];
    expect(needed.filter((f) => fromContext(posix.join(workdir, f)) !== f)).toEqual([]);
  });

  it('leaves tests, test data and test helpers out', () => {
    const contextSources = copies(image)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    expect(contextSources).toContain('pipeline');
    const inImage = contextSources.flatMap(filesUnder).filter((f) => !ignored(f));
    expect(inImage.length).toBeGreaterThan(runtime.modules.length);
    expect(inImage.filter((f) => /\.test\.ts$|(^|\/)testdata\/|^pipeline\/testing\//.test(f))).toEqual([]);
  });

  it('the paths the chart pods use are in the image or under their volumes, and meshlog writes only to volumes', () => {
    const dirs = new Set([...madeDirs(image), ...BASE_DIRS]);
    const user = last(image, 'USER')!.args;
    let configs = 0;
    for (const c of containers) {
      expect(c.container.securityContext.readOnlyRootFilesystem, c.who).toBe(true);
      const volumes = new Map<string, any>((c.pod.volumes ?? []).map((v: any) => [v.name, v]));
      const mounts: { name: string; mountPath: string; readOnly?: boolean }[] = c.container.volumeMounts ?? [];
      const mountOf = (p: string) => mounts.find((m) => p === m.mountPath || p.startsWith(`${m.mountPath}/`));
      const writable = (p: string) => {
        const m = mountOf(p);
        return m !== undefined && !m.readOnly && volumes.get(m.name)?.emptyDir !== undefined;
      };
      for (const m of mounts) {
        const volume = volumes.get(m.name);
        if (!volume.configMap && !volume.emptyDir) continue; // Secret mounts live under /var/run/secrets
        expect(dirs, `${c.who}: mount point ${m.mountPath} is not in the image`).toContain(m.mountPath);
        if (volume.emptyDir && !BASE_DIRS.includes(m.mountPath)) expect(owners(image).get(m.mountPath)).toBe(user);
      }
      for (const e of c.container.env ?? [])
        if (String(e.value).startsWith('/')) expect(mountOf(e.value), `${c.who}: ${e.name}=${e.value}`).toBeDefined();
      // `kibana import` (the Job) writes nothing; `meshlog run` gets a writable os.tmpdir().
      if (!c.config) continue;
      configs++;
      const tmp = c.container.env?.find((e: any) => e.name === 'TMPDIR')?.value ?? '/tmp';
      expect(writable(tmp), `${c.who}: ${tmp} (os.tmpdir) is not a writable volume`).toBe(true);
      const configPath = c.container.args[c.container.args.indexOf('--config') + 1];
      const configMount = mountOf(configPath)!;
      expect(volumes.get(configMount.name).configMap.name, c.who).toBe(c.configMap!.metadata.name);
      expect(posix.relative(configMount.mountPath, configPath)).toBe('meshlog.yaml');
      // Written: the dead-letter file and any file exporter. Read: every other absolute path (Secret files).
      const written = [
        c.config.service.deadLetter.path,
        ...Object.values(c.config.exporters ?? {}).flatMap((e: any) => (e?.path ? [e.path] : [])),
      ];
      for (const p of written) expect(writable(p), `${c.who}: meshlog writes ${p}`).toBe(true);
      for (const p of absolutePaths(c.config))
        expect(mountOf(p) ?? fromContext(p), `${c.who}: config names ${p}`).toBeDefined();
    }
    expect(configs).toBeGreaterThanOrEqual(8);
  });
});

/** Every string value of a parsed config that is an absolute file path. */
function absolutePaths(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('/') ? [value] : [];
  if (value && typeof value === 'object') return Object.values(value).flatMap(absolutePaths);
  return [];
}
