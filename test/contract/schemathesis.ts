import path from 'node:path';
import { cacheRoot, ensureCached } from '../../stack/cache';
import { runCommand } from '../../stack/run-command';
import { requireTools } from '../../stack/tools';
import type { Progress } from '../../stack/types';

// Schemathesis (PyPI) in a virtualenv in the project's cache, outside the clone, provisioned the
// way the stack provisions the Temporal CLI: once per pinned version, reused by fresh clones.

/** Pinned: a new schemathesis adds checks, which should be a deliberate change here. */
export const SCHEMATHESIS_VERSION = '4.32.5';

export async function provisionSchemathesis(
  progress: Progress,
  root: string = cacheRoot(),
): Promise<string> {
  const pkg = `schemathesis==${SCHEMATHESIS_VERSION}`;
  const dir = await ensureCached({
    root,
    name: `schemathesis-${SCHEMATHESIS_VERSION}`,
    stamp: pkg,
    progress,
    build: async (target) => {
      const { python3 } = requireTools(['python3'], 'schemathesis');
      const venv = path.join(target, 'venv');
      const logFile = path.join(target, 'provision.log');
      await runCommand(python3, ['-m', 'venv', venv], {
        progress,
        logFile,
        label: 'python3 -m venv: creating the schemathesis venv',
        hint: 'Debian needs `apt-get install python3-venv` for `python3 -m venv`.',
      });
      await runCommand(
        path.join(venv, 'bin', 'pip'),
        ['install', '--disable-pip-version-check', '--no-input', pkg],
        { progress, logFile, label: `pip install ${pkg}` },
      );
      const version = await runCommand(path.join(venv, 'bin', 'schemathesis'), ['--version'], {
        progress,
        logFile,
        label: 'checking schemathesis',
      });
      progress(version.trim());
    },
  });
  return path.join(dir, 'venv', 'bin', 'schemathesis');
}
