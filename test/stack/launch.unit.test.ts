import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LaunchSpec, launchServer, ServerStartError } from '../../stack/launch';
import { isAlive } from '../../stack/process';

// launchServer with `sh` standing in for a server: the failure reporting, not the servers.
const spec = (script: string, over: Partial<LaunchSpec> = {}): LaunchSpec => ({
  name: 'mongo',
  cmd: '/bin/sh',
  args: ['-c', script, 'fake-server-marker'],
  markers: ['fake-server-marker'],
  ports: [],
  address: 'fake',
  readyTimeoutMs: 10_000,
  graceMs: 1000,
  isReady: () => Promise.resolve(false),
  ...over,
});
const opts = () => ({
  dir: mkdtempSync(path.join(os.tmpdir(), 'stack-launch-')),
  detached: false,
  progress: () => undefined,
});

describe('launchServer', () => {
  it('reports a server that exits, with the tail of its log', async () => {
    const o = opts();
    const err = (await launchServer(spec('echo first; echo boom >&2; exit 3'), o).catch(
      (e: unknown) => e,
    )) as ServerStartError;
    expect(err).toBeInstanceOf(ServerStartError);
    expect(err.message).toMatch(/mongo failed to start: process exited \(code 3\)/);
    expect(err.logTail).toMatch(/first\nboom$/);
    expect(readFileSync(path.join(o.dir, 'logs', 'mongo.log'), 'utf8')).toContain('boom');
  });

  it('gives up at the deadline and stops the process', async () => {
    const o = opts();
    // The server runs in the stack dir; `exec` keeps the pid it wrote.
    const err = await launchServer(
      spec('echo $$ > pid; exec sleep 30', { readyTimeoutMs: 500 }),
      o,
    ).catch((e: unknown) => e);
    expect(String(err)).toMatch(/not ready after 0.5s/);
    const pid = Number(readFileSync(path.join(o.dir, 'pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('returns the state of a ready server', async () => {
    const o = opts();
    let calls = 0;
    const state = await launchServer(
      spec('exec sleep 30', { isReady: () => Promise.resolve(++calls > 1) }),
      o,
    );
    try {
      expect(state).toMatchObject({ kind: 'local', group: false, markers: ['fake-server-marker'] });
      expect(isAlive(state.pid)).toBe(true);
    } finally {
      process.kill(state.pid, 'SIGKILL');
    }
  });
});
