/**
 * `KEY=value` lines as docker compose reads `.env` and kustomize an env file: `#` comments and
 * blank lines skipped, the value taken literally up to the end of the line (no quotes used).
 */
export function parseEnvFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries) as Record<string, string>;
}
