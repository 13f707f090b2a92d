import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  aptInstallCommand,
  cachedVendorDir,
  canTraverse,
  letPostgresReach,
  untraversableDirs,
  vendorDirFromEnv,
  verifiedVendorDir,
} from '../../stack/postgres';
import type { DirOwnership, ReachDeps } from '../../stack/postgres';
import { VENDORED_SOURCES } from '../../stack/versions';

const none = (): boolean => false;

describe('where the PostgreSQL extensions come from', () => {
  it('takes STACK_VENDOR_DIR first, then ../shared/vendor, then the copies in the cache', () => {
    expect(vendorDirFromEnv({ STACK_VENDOR_DIR: 'rel/dir' }, '/c', none)).toBe(
      path.resolve('rel/dir'),
    );
    const beside = (p: string) => p.endsWith(path.join('shared', 'vendor'));
    expect(vendorDirFromEnv({}, '/c', beside)).toMatch(/shared\/vendor$/);
    const inCache = (p: string) => p.startsWith(cachedVendorDir('/c'));
    expect(vendorDirFromEnv({}, '/c', inCache)).toBe('/c/vendor');
    expect(vendorDirFromEnv({}, '/c', none)).toBeUndefined();
  });

  it('without any source, the error names the variable and the commands that make the files', async () => {
    await expect(verifiedVendorDir({}, '/c', none)).rejects.toThrow(
      /STACK_VENDOR_DIR is not set[\s\S]*\/c\/vendor holds no copy[\s\S]*git clone --branch v0\.106\.0-ferretdb-2\.5\.0/,
    );
  });

  it('a missing file or a wrong hash is refused, naming the file, the variable and the hash', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vendor-'));
    const [first, second] = VENDORED_SOURCES;
    writeFileSync(path.join(dir, first.file), 'not the pinned tarball');
    const failure = verifiedVendorDir({ STACK_VENDOR_DIR: dir }, '/nonexistent-cache');
    await expect(failure).rejects.toThrow(`STACK_VENDOR_DIR (${dir})`);
    await expect(failure).rejects.toThrow(
      new RegExp(`${first.file} has SHA-256 [0-9a-f]{64}, expected ${first.sha256}`),
    );
    await expect(failure).rejects.toThrow(`${path.join(dir, second.file)} is missing`);
  });

  it('says which apt-get command installs missing packages', () => {
    expect(aptInstallCommand(['postgresql-15', 'libbson-dev'])).toBe(
      'apt-get update && apt-get install -y postgresql-15 libbson-dev',
    );
  });
});

describe('PostgreSQL reaches its data directory when the stack runs as root', () => {
  const postgres = { uid: 101, gids: [104, 103] };
  const root = (mode: number): DirOwnership => ({ uid: 0, gid: 0, mode });

  it('enters a directory through the owner, group or others x bit that applies to it', () => {
    expect(canTraverse(root(0o755), postgres)).toBe(true);
    expect(canTraverse(root(0o700), postgres)).toBe(false);
    expect(canTraverse(root(0o701), postgres)).toBe(true);
    expect(canTraverse({ uid: 0, gid: 104, mode: 0o710 }, postgres)).toBe(true);
    expect(canTraverse({ uid: 101, gid: 104, mode: 0o700 }, postgres)).toBe(true);
    // The owner's bits decide for the owner, even when others may enter.
    expect(canTraverse({ uid: 101, gid: 0, mode: 0o001 }, postgres)).toBe(false);
  });

  it('finds every directory in the way, outermost first', () => {
    const modes: Record<string, number> = {
      '/': 0o755,
      '/tmp': 0o1777,
      '/tmp/tmp.X': 0o700,
      '/tmp/tmp.X/s': 0o700,
      '/tmp/tmp.X/s/mongo': 0o755,
    };
    expect(untraversableDirs('/tmp/tmp.X/s/mongo', postgres, (p) => root(modes[p]))).toEqual([
      '/tmp/tmp.X',
      '/tmp/tmp.X/s',
    ]);
  });

  function fakeSystem(modes: Record<string, number>, asRoot = true) {
    const lines: string[] = [];
    const deps: ReachDeps = {
      isRoot: () => asRoot,
      identity: (user) => (user === 'postgres' ? postgres : undefined),
      stat: (p) => root(modes[p]),
      chmod: (p, mode) => {
        modes[p] = mode;
        return Promise.resolve();
      },
    };
    return { lines, deps, progress: (line: string) => void lines.push(line) };
  }

  it('adds o+x to exactly those directories, keeping their other bits, and names each', async () => {
    const modes = { '/': 0o755, '/root': 0o700, '/root/s': 0o2750, '/root/s/mongo': 0o755 };
    const { lines, deps, progress } = fakeSystem(modes);
    await letPostgresReach('/root/s/mongo', progress, deps);
    expect(modes).toEqual({
      '/': 0o755,
      '/root': 0o701,
      '/root/s': 0o2751,
      '/root/s/mongo': 0o755,
    });
    expect(lines).toEqual([
      expect.stringMatching(/^postgres: \/root was closed to user postgres; added o\+x/),
      expect.stringMatching(/^postgres: \/root\/s was closed to user postgres; added o\+x/),
    ]);
  });

  it('changes nothing when not root, or when every directory is open already', async () => {
    const closed = { '/': 0o755, '/s': 0o700 };
    const notRoot = fakeSystem(closed, false);
    await letPostgresReach('/s', notRoot.progress, notRoot.deps);
    expect([closed['/s'], notRoot.lines]).toEqual([0o700, []]);
    const open = fakeSystem({ '/': 0o755, '/s': 0o755 });
    await letPostgresReach('/s', open.progress, open.deps);
    expect(open.lines).toEqual([]);
  });

  const rootWithPostgres = (() => {
    try {
      return process.getuid?.() === 0 && execFileSync('id', ['-u', 'postgres']).length > 0;
    } catch {
      return false;
    }
  })();

  // The case of the issue, on the real file system: STACK_DIR=$(mktemp -d)/s.
  (rootWithPostgres ? it : it.skip)(
    'a stack under a mktemp -d folder: postgres can enter its data',
    async () => {
      const outer = mkdtempSync(path.join(os.tmpdir(), 'stack-parent-')); // mode 0700
      const dataDir = path.join(outer, 's', 'mongo');
      mkdirSync(dataDir, { recursive: true });
      const postgresCanEnter = () => {
        try {
          execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dataDir]);
          return true;
        } catch {
          return false;
        }
      };
      try {
        expect(postgresCanEnter()).toBe(false);
        const lines: string[] = [];
        await letPostgresReach(dataDir, (line) => lines.push(line));
        expect(postgresCanEnter()).toBe(true);
        expect(statSync(outer).mode & 0o777).toBe(0o701);
        expect(lines).toEqual([
          expect.stringContaining(`postgres: ${outer} was closed to user postgres`),
        ]);
      } finally {
        rmSync(outer, { recursive: true, force: true });
      }
    },
  );
});
