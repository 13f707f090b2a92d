import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from './process';
import type { Progress } from './types';

/** `${XDG_CACHE_HOME:-~/.cache}/order-saga`: outside the clone, so fresh clones and CI reuse it. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'order-saga');
}

export function shortHash(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 12);
}

const COMPLETE_MARKER = '.complete';
const LOCK_WAIT_MS = 20 * 60_000;

/**
 * Returns `<root>/<name>`, building it first unless a previous build completed with the same
 * `stamp`. The marker is written last, so an interrupted build is redone from scratch; a lock
 * file keeps concurrent provisioners (CLI and Jest, two Jest projects) from building twice.
 */
export async function ensureCached(opts: {
  root: string;
  name: string;
  stamp: string;
  progress: Progress;
  build: (dir: string) => Promise<void>;
}): Promise<string> {
  const dir = path.join(opts.root, opts.name);
  const marker = path.join(dir, COMPLETE_MARKER);
  if ((await readOrUndefined(marker)) === opts.stamp) {
    opts.progress(`${opts.name}: cached in ${dir}`);
    return dir;
  }
  await fs.mkdir(opts.root, { recursive: true });
  const release = await acquireLock(
    path.join(opts.root, `${opts.name}.lock`),
    opts.progress,
    'another provisioner',
  );
  try {
    if ((await readOrUndefined(marker)) === opts.stamp) return dir; // built while we waited
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    opts.progress(`${opts.name}: not cached, provisioning into ${dir}`);
    await opts.build(dir);
    await fs.writeFile(marker, opts.stamp);
    return dir;
  } finally {
    await release();
  }
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Holds `lockFile` (its content: our pid) until the returned release is called. A lock whose
 * holder died is taken over; `holderIs` names the holder in the progress line.
 */
export async function acquireLock(
  lockFile: string,
  progress: Progress,
  holderIs: string,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rm(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readOrUndefined(lockFile));
    if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
      await fs.rm(lockFile, { force: true }); // stale: its owner died holding it
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockFile} (pid ${holder})`);
    if (!announced) progress(`waiting for ${holderIs} (pid ${holder}) holding ${lockFile}`);
    announced = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
