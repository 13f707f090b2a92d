import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireLock, cacheRoot, ensureCached } from '../../stack/cache';
import { readState, removeState, type StackState, writeState } from '../../stack/state';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'stack-unit-'));
const quiet = (): void => undefined;

describe('cacheRoot', () => {
  it('lives under XDG_CACHE_HOME, or ~/.cache', () => {
    expect(cacheRoot({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/order-saga');
    expect(cacheRoot({})).toBe(path.join(os.homedir(), '.cache', 'order-saga'));
  });
});

describe('ensureCached', () => {
  it('builds once per stamp and rebuilds when the stamp changes', async () => {
    const root = tmp();
    const build = jest.fn((dir: string) => fs.writeFile(path.join(dir, 'bin'), 'x'));
    const opts = { root, name: 'tool-1.0', stamp: 'a', progress: quiet, build };
    const dir = await ensureCached(opts);
    await ensureCached(opts);
    expect(build).toHaveBeenCalledTimes(1);
    expect(await fs.readFile(path.join(dir, 'bin'), 'utf8')).toBe('x');
    await ensureCached({ ...opts, stamp: 'b' });
    expect(build).toHaveBeenCalledTimes(2);
  });

  it('redoes an interrupted build from scratch and takes over a dead owner lock', async () => {
    const root = tmp();
    const failing = { root, name: 't', stamp: 's', progress: quiet };
    await expect(
      ensureCached({ ...failing, build: () => Promise.reject(new Error('boom')) }),
    ).rejects.toThrow('boom');
    await fs.writeFile(path.join(root, 't.lock'), '999999999'); // no such pid
    const build = jest.fn(() => Promise.resolve());
    await ensureCached({ ...failing, build });
    expect(build).toHaveBeenCalledTimes(1);
  });
});

describe('acquireLock', () => {
  it('lets one holder at a time in: the next waits until the lock is released', async () => {
    const lock = path.join(tmp(), 'stack-start.lock');
    const said: string[] = [];
    const release = await acquireLock(lock, quiet, 'first');
    let second = false;
    const next = acquireLock(lock, (line) => said.push(line), 'another stack').then((r) => {
      second = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(second).toBe(false);
    expect(said.join()).toMatch(/waiting for another stack \(pid \d+\)/);
    await release();
    await (
      await next
    )();
    expect(second).toBe(true);
  });
});

describe('state file', () => {
  it('round-trips and is removed', async () => {
    const dir = tmp();
    expect(await readState(dir)).toBeUndefined();
    const state: StackState = {
      version: 1,
      dir,
      servers: { kafka: { kind: 'external', address: 'k:9092' } },
    };
    await writeState(state);
    expect(await readState(dir)).toEqual(state);
    await removeState(dir);
    expect(await readState(dir)).toBeUndefined();
  });
});
