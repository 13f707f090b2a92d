import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** What to install when a host tool is missing (Debian names; this project's machines are Debian). */
export const TOOL_HINTS: Record<string, string> = {
  java: 'a Java 17+ runtime, e.g. `apt-get install openjdk-17-jre-headless`',
  mvn: 'Apache Maven 3.8+, e.g. `apt-get install maven`',
  go: 'Go 1.24+ (https://go.dev/dl, or `apt-get install golang` if new enough)',
  python3: 'Python 3.9+ with venv, e.g. `apt-get install python3 python3-venv`',
  openssl: 'the OpenSSL command line tool, e.g. `apt-get install openssl`',
};

/** Absolute path of `name` on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Resolves every tool or throws one error naming all that are missing and what to install. */
export function requireTools(
  names: string[],
  purpose: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const p = findOnPath(name, env);
    if (p) found[name] = p;
    else missing.push(`  - \`${name}\` not found on PATH: install ${TOOL_HINTS[name] ?? name}`);
  }
  if (missing.length > 0) {
    throw new Error(`Cannot provision ${purpose}:\n${missing.join('\n')}`);
  }
  return found;
}
