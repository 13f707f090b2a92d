// Progress of a chaos run on stderr (Jest shows it), so a slow or failed run explains itself.
const started = Date.now();

export function chaosLog(line: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[chaos ${t}s] ${line}\n`);
}
