import { parse as parseYamlScalar } from 'yaml';

const REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

export interface EnvIssue {
  path: string;
  message: string;
}

/**
 * Replaces `${env:NAME}` and `${env:NAME:-default}` in string values, after YAML parsing, so a
 * value can never break the YAML around it. A value that is a single reference takes the type its
 * text has in YAML (`${env:PORT}` with PORT=9200 becomes the number 9200), as the Collector does.
 * An unset variable without a default is an error that names the path.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string[] = [],
  issues: EnvIssue[] = [],
): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) {
      const resolved = lookup(whole[1], whole[2], env, path, issues);
      return resolved === undefined ? value : parseYamlScalar(resolved);
    }
    return value.replace(
      REF,
      (m, name: string, fallback: string | undefined) => lookup(name, fallback, env, path, issues) ?? m,
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, String(i)], issues));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k], issues)]));
  }
  return value;
}

function lookup(
  name: string,
  fallback: string | undefined,
  env: NodeJS.ProcessEnv,
  path: string[],
  issues: EnvIssue[],
): string | undefined {
  const v = env[name];
  if (v !== undefined) return v;
  if (fallback !== undefined) return fallback;
  issues.push({ path: path.join('.'), message: `environment variable ${name} is not set and has no default` });
  return undefined;
}
