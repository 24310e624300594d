import type { z } from 'zod';

/** One thing wrong with a config: the dotted path, what was wrong, and the value found there. */
export interface ConfigIssue {
  path: string;
  message: string;
  value?: unknown;
}

export function joinPath(parts: ReadonlyArray<PropertyKey>): string {
  return parts.map(String).join('.');
}

/** Turns zod issues into ConfigIssues, expanding unknown-key issues to one per key. */
export function fromZod(error: z.ZodError, prefix: string[], root: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          path: joinPath([...path, key]),
          message: 'unknown key',
          value: valueAt(root, [...issue.path.map(String), key]),
        });
      }
      continue;
    }
    out.push({ path: joinPath(path), message: issue.message, value: valueAt(root, issue.path.map(String)) });
  }
  return out;
}

function valueAt(root: unknown, path: string[]): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function formatIssues(issues: ConfigIssue[]): string {
  return issues
    .map(
      (i) =>
        `  ${i.path || '(root)'}: ${i.message}${i.value === undefined ? '' : ` (found ${JSON.stringify(i.value)})`}`,
    )
    .join('\n');
}
