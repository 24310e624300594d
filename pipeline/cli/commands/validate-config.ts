import { FACTORIES } from '../../components.ts';
import { loadConfigFile } from '../../config/load.ts';
import { formatIssues } from '../../config/issues.ts';
import { checkModes } from '../../config/modes.ts';
import type { Mode } from '../../config/service.ts';

/**
 * `meshlog validate-config`: prints every problem (path, what is wrong, value found); exit 1 if any.
 * With `--mode`, also that the mode has a pipeline and that its pipelines use only the components
 * that mode runs; without it, each pipeline is checked against every mode it declares.
 */
export function validateConfigCommand(opts: { config: string; mode?: Mode }): void {
  const result = loadConfigFile(opts.config, FACTORIES, process.env);
  const issues = result.ok ? checkModes(result.config, opts.mode) : result.issues;
  if (issues.length === 0) {
    process.stdout.write(`${opts.config}: valid${opts.mode ? ` for mode ${opts.mode}` : ''}\n`);
    return;
  }
  process.stderr.write(`${opts.config}: ${issues.length} problem(s)\n${formatIssues(issues)}\n`);
  process.exitCode = 1;
}
