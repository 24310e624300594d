import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';

/** What `meshlog` loads when it runs, found by following its sources from the entry point. */
export interface RuntimeFiles {
  /** Modules (relative to the repository root), the entry point first. */
  modules: string[];
  /** Files and folders modules read through `new URL('…', import.meta.url)` (protos, config, UI page…). */
  data: string[];
  /** npm packages imported at run time, each with the first module that imports it. */
  packages: Map<string, string>;
}

/** `@scope/name` or `name` of a bare specifier such as `@grpc/grpc-js` or `yaml/util`. */
const packageName = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

const isModule = (path: string) => /\.(ts|mts|mjs|js)$/.test(path);

/**
 * Walks the module graph from `entry` (relative to `root`): static imports and re-exports except
 * `import type`/`export type` (Node's type stripping erases those), `import('literal')`,
 * `new URL('literal', import.meta.url)` (a worker script is walked as a module, anything else is
 * data) and `createRequire(import.meta.url).resolve('package/…')`. A specifier built at run time
 * cannot be followed; meshlog has none (this walk would miss it).
 */
export function runtimeFiles(root: string, entry: string): RuntimeFiles {
  const modules = new Set<string>();
  const data = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (modules.has(file)) continue;
    modules.add(file);
    const source = ts.createSourceFile(
      file,
      readFileSync(posix.join(root, file), 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const relative = (spec: string) => posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\/$/, '');
    const use = (spec: string) => {
      if (spec.startsWith('.')) queue.push(relative(spec));
      else if (!isBuiltin(spec) && !packages.has(packageName(spec))) packages.set(packageName(spec), file);
    };
    const visit = (n: ts.Node): void => {
      if (ts.isImportDeclaration(n) && !n.importClause?.isTypeOnly) use((n.moduleSpecifier as ts.StringLiteral).text);
      else if (ts.isExportDeclaration(n) && !n.isTypeOnly && n.moduleSpecifier)
        use((n.moduleSpecifier as ts.StringLiteral).text);
      else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [arg] = n.arguments;
        if (!ts.isStringLiteral(arg)) throw new Error(`${file}: import() of a computed specifier cannot be followed`);
        use(arg.text);
      } else if (
        ts.isNewExpression(n) &&
        n.expression.getText() === 'URL' &&
        n.arguments?.[1]?.getText() === 'import.meta.url' &&
        ts.isStringLiteral(n.arguments[0])
      ) {
        const target = relative(n.arguments[0].text);
        if (isModule(target)) queue.push(target);
        else data.add(target);
      } else if (
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        n.expression.name.text === 'resolve' &&
        n.expression.expression.getText().startsWith('createRequire(') &&
        ts.isStringLiteral(n.arguments[0])
      )
        use(n.arguments[0].text);
      ts.forEachChild(n, visit);
    };
    visit(source);
  }
  return { modules: [...modules], data: [...data], packages };
}
