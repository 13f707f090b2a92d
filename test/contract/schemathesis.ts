import path from 'node:path';
import { cacheRoot } from '../../stack/cache';
import { provisionPipVenv } from '../../stack/pip-venv';
import type { Progress } from '../../stack/types';

// Schemathesis (PyPI) in a virtualenv in the project's cache, outside the clone, provisioned the
// way the stack provisions the Temporal CLI: once per pinned version, reused by fresh clones.

/** Pinned: a new schemathesis adds checks, which should be a deliberate change here. */
export const SCHEMATHESIS_VERSION = '4.32.5';

export async function provisionSchemathesis(
  progress: Progress,
  root: string = cacheRoot(),
): Promise<string> {
  const bin = await provisionPipVenv({
    root,
    name: `schemathesis-${SCHEMATHESIS_VERSION}`,
    packages: [`schemathesis==${SCHEMATHESIS_VERSION}`],
    check: 'schemathesis',
    progress,
  });
  return path.join(bin, 'schemathesis');
}
