import { matchesGlob, posix } from 'node:path';

/**
 * A .dockerignore as BuildKit applies it to the build context: patterns in order, the last one that
 * matches a path (or one of its parent directories) decides, `!` re-includes. Returns whether a
 * context path (relative, with /) is left out.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const include = l.startsWith('!');
      const pattern = posix.normalize(l.slice(include ? 1 : 0).replace(/^\//, '')).replace(/\/$/, '');
      return { include, pattern };
    });
  return (path) => {
    const parts = posix.normalize(path).split('/');
    const selfAndParents = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const r of rules) if (selfAndParents.some((p) => matchesGlob(p, r.pattern))) excluded = !r.include;
    return excluded;
  };
}
