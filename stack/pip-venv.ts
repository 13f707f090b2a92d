import path from 'node:path';
import { ensureCached } from './cache';
import { runCommand } from './run-command';
import { requireTools } from './tools';
import type { Progress } from './types';

/**
 * Pinned PyPI packages in a virtualenv of their own in the cache (`<root>/<name>/venv`), built
 * once per `packages` list; returns the venv's `bin` folder. `check` is a command of theirs run
 * with `--version` once installed, so a broken wheel fails provisioning, not first use.
 */
export async function provisionPipVenv(opts: {
  root: string;
  name: string;
  packages: readonly string[];
  check: string;
  progress: Progress;
}): Promise<string> {
  const { progress } = opts;
  const dir = await ensureCached({
    root: opts.root,
    name: opts.name,
    stamp: opts.packages.join(' '),
    progress,
    build: async (target) => {
      const { python3 } = requireTools(['python3'], opts.name);
      const venv = path.join(target, 'venv');
      const logFile = path.join(target, 'provision.log');
      await runCommand(python3, ['-m', 'venv', venv], {
        progress,
        logFile,
        label: `python3 -m venv: creating the ${opts.name} venv`,
        hint: 'Debian needs `apt-get install python3-venv` for `python3 -m venv`.',
      });
      await runCommand(
        path.join(venv, 'bin', 'pip'),
        ['install', '--disable-pip-version-check', '--no-input', ...opts.packages],
        { progress, logFile, label: `pip install ${opts.packages.join(' ')}` },
      );
      const version = await runCommand(path.join(venv, 'bin', opts.check), ['--version'], {
        progress,
        logFile,
        label: `checking ${opts.check}`,
      });
      progress(version.trim());
    },
  });
  return path.join(dir, 'venv', 'bin');
}
