import { FACTORIES } from '../../components.ts';
import { loadConfigFile } from '../../config/load.ts';
import { formatIssues } from '../../config/issues.ts';

/** `meshlog validate-config`: prints every problem (path, what is wrong, value found); exit 1 if any. */
export function validateConfigCommand(opts: { config: string }): void {
  const result = loadConfigFile(opts.config, FACTORIES, process.env);
  if (result.ok) {
    process.stdout.write(`${opts.config}: valid\n`);
    return;
  }
  process.stderr.write(`${opts.config}: ${result.issues.length} problem(s)\n${formatIssues(result.issues)}\n`);
  process.exitCode = 1;
}
