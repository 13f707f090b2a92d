// The PostgreSQL side of the local MongoDB-wire server (FerretDB 2 needs PostgreSQL with the
// DocumentDB extension): Debian's PostgreSQL, plus pg_cron, pgvector and DocumentDB built from
// vendored sources into the cache and installed into PostgreSQL's extension directories.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { ensureCached, shortHash } from './cache';
import { REPO_ROOT } from './paths';
import { runCommand } from './run-command';
import type { Progress } from './types';
import { POSTGRES_DEBIAN_PACKAGES, POSTGRES_MAJOR, VENDORED_SOURCES } from './versions';

export const VENDOR_ENV = 'STACK_VENDOR_DIR';
const PG_ROOT = `/usr/lib/postgresql/${POSTGRES_MAJOR}`;
const PG_CONFIG = path.join(PG_ROOT, 'bin', 'pg_config');
// Bump when the build steps below change, so the cache rebuilds.
const BUILD_RECIPE = 'extensions-v1';

export interface PostgresInstall {
  /** Directory of `initdb`, `postgres` and `pg_isready`. */
  pgBin: string;
}

export async function provisionPostgres(
  root: string,
  progress: Progress,
  env: NodeJS.ProcessEnv,
): Promise<PostgresInstall> {
  await ensureDebianPackages(progress, env);
  // Keyed by the pinned hashes, so a warm cache needs no sources at all.
  const stamp = shortHash(BUILD_RECIPE, ...VENDORED_SOURCES.map((s) => s.sha256));
  const dir = await ensureCached({
    root,
    name: `postgres-${POSTGRES_MAJOR}-extensions-${stamp}`,
    stamp,
    progress,
    build: async (target) => {
      const vendor = await verifiedVendorDir(env, root);
      await keepInCache(vendor, root);
      await buildExtensions(vendor, target, progress, env);
    },
  });
  await installExtensions(path.join(dir, 'root'), progress);
  return { pgBin: path.join(PG_ROOT, 'bin') };
}

// ---- Debian packages ----

const isRoot = (): boolean => process.getuid?.() === 0;

export function aptInstallCommand(packages: readonly string[]): string {
  return `apt-get update && apt-get install -y ${packages.join(' ')}`;
}

function missingDebianPackages(): string[] {
  return POSTGRES_DEBIAN_PACKAGES.filter((p) => {
    try {
      const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
      return !status.includes('install ok installed');
    } catch {
      return true;
    }
  });
}

async function ensureDebianPackages(progress: Progress, env: NodeJS.ProcessEnv): Promise<void> {
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  if (!isRoot()) {
    throw new Error(
      `PostgreSQL for the local MongoDB-wire server needs Debian packages that are missing: ` +
        `${missing.join(', ')}.\nInstall them, then run this again:\n  sudo ${aptInstallCommand(missing)}`,
    );
  }
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const common = { progress, env: aptEnv, hint: `Run it by hand: ${aptInstallCommand(missing)}` };
  await runCommand('apt-get', ['update', '-qq'], { ...common, label: 'apt-get update' });
  await runCommand('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    ...common,
    label: `apt-get install ${missing.join(' ')}`,
  });
}

// ---- vendored sources ----

/** Where verified copies of the sources are kept, so a clone elsewhere can rebuild. */
export const cachedVendorDir = (cacheRoot: string): string => path.join(cacheRoot, 'vendor');

/**
 * `STACK_VENDOR_DIR`, else `../shared/vendor` beside the clone when it exists, else the copies
 * an earlier provisioning kept in the cache.
 */
export function vendorDirFromEnv(
  env: NodeJS.ProcessEnv,
  cacheRoot: string,
  exists: (p: string) => boolean = existsSync,
): string | undefined {
  const set = env[VENDOR_ENV]?.trim();
  if (set) return path.resolve(set);
  const beside = path.resolve(REPO_ROOT, '..', 'shared', 'vendor');
  if (exists(beside)) return beside;
  const cached = cachedVendorDir(cacheRoot);
  return VENDORED_SOURCES.every((s) => exists(path.join(cached, s.file))) ? cached : undefined;
}

/** Copies verified sources into the cache (once), for later builds from any clone. */
async function keepInCache(vendor: string, cacheRoot: string): Promise<void> {
  const cached = cachedVendorDir(cacheRoot);
  if (path.resolve(vendor) === cached) return;
  await fs.mkdir(cached, { recursive: true });
  for (const s of VENDORED_SOURCES) {
    const to = path.join(cached, s.file);
    if (!existsSync(to)) {
      await fs.copyFile(path.join(vendor, s.file), `${to}.tmp`);
      await fs.rename(`${to}.tmp`, to);
    }
  }
}

/** How to make the folder by hand, for the error message (and the README). */
export function vendorInstructions(): string {
  const lines = VENDORED_SOURCES.map(
    (s) =>
      `  git clone --branch ${s.tag} --depth 1 ${s.repo} src && ` +
      `git -C src archive --prefix=${s.file.replace(/\.tar\.gz$/, '')}/ ${s.tag} | gzip > ${s.file}; rm -rf src`,
  );
  return (
    `Set ${VENDOR_ENV} to a folder holding ${VENDORED_SOURCES.map((s) => s.file).join(', ')}. ` +
    `To make them from upstream, in that folder:\n${lines.join('\n')}\n` +
    `A tarball made that way may differ byte-for-byte from the pinned one (gzip versions); ` +
    `after checking its tree against the tag, set STACK_VENDOR_SKIP_HASH=1 to accept it.`
  );
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

export async function verifiedVendorDir(
  env: NodeJS.ProcessEnv,
  cacheRoot: string,
  exists: (p: string) => boolean = existsSync,
): Promise<string> {
  const dir = vendorDirFromEnv(env, cacheRoot, exists);
  if (!dir) {
    throw new Error(
      `The PostgreSQL extensions' sources were not found (${VENDOR_ENV} is not set, ` +
        `../shared/vendor does not exist beside the clone, and ${cachedVendorDir(cacheRoot)} ` +
        `holds no copy).\n${vendorInstructions()}`,
    );
  }
  const problems: string[] = [];
  for (const s of VENDORED_SOURCES) {
    const file = path.join(dir, s.file);
    if (!exists(file)) {
      problems.push(`  - ${file} is missing`);
      continue;
    }
    if (env.STACK_VENDOR_SKIP_HASH === '1') continue;
    const actual = await sha256(file);
    if (actual !== s.sha256) {
      problems.push(`  - ${file} has SHA-256 ${actual}, expected ${s.sha256}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `${VENDOR_ENV} (${dir}) does not hold the pinned sources:\n${problems.join('\n')}\n${vendorInstructions()}`,
    );
  }
  return dir;
}

// ---- build ----

/**
 * pg_cron and pgvector, then DocumentDB's core and API extensions, each `make install`ed into
 * `<target>/root` (DESTDIR), so the cache holds a tree that mirrors PostgreSQL's own folders.
 */
async function buildExtensions(
  vendor: string,
  target: string,
  progress: Progress,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const logFile = path.join(target, 'provision.log');
  const src = path.join(target, 'src');
  await fs.mkdir(src, { recursive: true });
  for (const s of VENDORED_SOURCES) {
    await runCommand('tar', ['xzf', path.join(vendor, s.file), '-C', src], {
      progress,
      logFile,
      label: `unpacking ${s.file}`,
    });
  }
  // Debian names DocumentDB's Intel decimal library libbidgcc000; its build asks pkg-config for
  // "intelmathlib".
  const pkgconfig = path.join(target, 'pkgconfig');
  await fs.mkdir(pkgconfig, { recursive: true });
  await fs.writeFile(
    path.join(pkgconfig, 'intelmathlib.pc'),
    [
      'Name: intelmathlib',
      'Description: Intel decimal floating-point math library (Debian libbidgcc000)',
      'Version: 2.0',
      'Libs: -L/usr/lib/x86_64-linux-gnu -lbidgcc000',
      'Cflags: -I/usr/include',
      '',
    ].join('\n'),
  );
  const buildEnv = {
    ...env,
    PKG_CONFIG_PATH: [pkgconfig, env.PKG_CONFIG_PATH].filter(Boolean).join(':'),
  };
  const destdir = path.join(target, 'root');
  const dirOf = (file: string): string => path.join(src, file.replace(/\.tar\.gz$/, ''));
  const [documentdb, pgCron, pgvector] = VENDORED_SOURCES.map((s) => dirOf(s.file));
  // with_llvm=no: no JIT bitcode (Debian's server does not need it); OPTFLAGS='' keeps pgvector
  // off -march=native, so a cache copied to another x86-64 machine still loads.
  const pgxs = [`PG_CONFIG=${PG_CONFIG}`, 'with_llvm=no', 'OPTFLAGS='];
  // libbson 1.23 (Debian 12) lacks BSON_SUBTYPE_SENSITIVE, which DocumentDB 0.106 switches on.
  const documentdbFlags = ['COPT=-DBSON_SUBTYPE_SENSITIVE=8 -Wno-error=switch'];
  const steps: { dir: string; label: string; extra?: string[] }[] = [
    { dir: pgCron, label: 'pg_cron' },
    { dir: pgvector, label: 'pgvector' },
    { dir: path.join(documentdb, 'pg_documentdb_core'), label: 'DocumentDB core' },
    { dir: path.join(documentdb, 'pg_documentdb'), label: 'DocumentDB', extra: documentdbFlags },
  ];
  for (const step of steps) {
    const args = [...pgxs, ...(step.extra ?? [])];
    const common = { cwd: step.dir, env: buildEnv, progress, logFile };
    await runCommand('make', ['-j2', ...args], { ...common, label: `make: ${step.label}` });
    await runCommand('make', ['install', `DESTDIR=${destdir}`, ...args], {
      ...common,
      label: `make install: ${step.label} (into the cache)`,
    });
  }
  await fs.rm(src, { recursive: true, force: true }); // 200 MB of objects nobody reads again
}

// ---- install ----

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

async function sameContent(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([fs.readFile(a), fs.readFile(b)]);
    return x.equals(y);
  } catch {
    return false;
  }
}

/**
 * Copies the built extensions into PostgreSQL's own directories (it loads extensions only from
 * there), skipping files already identical; without root, says which command would do it.
 */
async function installExtensions(stageRoot: string, progress: Progress): Promise<void> {
  const stale: { from: string; to: string }[] = [];
  for (const from of await listFiles(stageRoot)) {
    const to = path.join('/', path.relative(stageRoot, from));
    if (!(await sameContent(from, to))) stale.push({ from, to });
  }
  if (stale.length === 0) {
    progress(`postgres: DocumentDB, pg_cron and pgvector installed in ${PG_ROOT}`);
    return;
  }
  if (!isRoot()) {
    throw new Error(
      `${stale.length} extension files are not installed in PostgreSQL's directories ` +
        `(e.g. ${stale[0]?.to}). Install them, then run this again:\n` +
        `  sudo cp -r ${stageRoot}/. /`,
    );
  }
  for (const { from, to } of stale) {
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(from, to);
  }
  progress(`postgres: installed ${stale.length} extension files into PostgreSQL's directories`);
}

// ---- the data directory, when the stack runs as root ----

/** The OS user ferretdb-local runs PostgreSQL as when started as root (its `-pg-user`). */
export const POSTGRES_OS_USER = 'postgres';

export interface UnixIdentity {
  uid: number;
  gids: readonly number[];
}

export interface DirOwnership {
  uid: number;
  gid: number;
  mode: number;
}

/** Whether `who` may search (enter) a directory: the owner's, group's or others' x bit. */
export function canTraverse(dir: DirOwnership, who: UnixIdentity): boolean {
  if (who.uid === 0) return true;
  if (dir.uid === who.uid) return (dir.mode & 0o100) !== 0;
  if (who.gids.includes(dir.gid)) return (dir.mode & 0o010) !== 0;
  return (dir.mode & 0o001) !== 0;
}

/** The directories from `/` down to `dir` (absolute) that `who` cannot enter, outermost first. */
export function untraversableDirs(
  dir: string,
  who: UnixIdentity,
  stat: (p: string) => DirOwnership,
): string[] {
  const chain: string[] = [];
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    chain.unshift(p);
    if (p === path.dirname(p)) break;
  }
  return chain.filter((p) => !canTraverse(stat(p), who));
}

function identityOf(user: string): UnixIdentity | undefined {
  try {
    const id = (flag: string) => execFileSync('id', [flag, user], { encoding: 'utf8' }).trim();
    return { uid: Number(id('-u')), gids: id('-G').split(/\s+/).map(Number) };
  } catch {
    return undefined; // no such user: ferretdb-local says so when it starts
  }
}

export interface ReachDeps {
  isRoot: () => boolean;
  identity: (user: string) => UnixIdentity | undefined;
  stat: (p: string) => DirOwnership;
  chmod: (p: string, mode: number) => Promise<void>;
}

const systemDeps: ReachDeps = {
  isRoot,
  identity: identityOf,
  stat: (p) => statSync(p),
  chmod: (p, mode) => fs.chmod(p, mode),
};

/**
 * PostgreSQL refuses to run as root, so a stack started as root runs it as `postgres`, which
 * must be able to enter every directory above its data. A stack directory under a `mktemp -d`
 * folder (mode 0700), or under /root, is not: each directory in the way gets o+x (enter, not
 * list), and a progress line names it. The alternative, keeping PostgreSQL's data in a
 * postgres-owned directory elsewhere, would split the stack from its directory: removing
 * STACK_DIR (as every test stack does) would leave a cluster behind. An ACL for `postgres` only
 * would be narrower, but `setfacl` is not installed on a minimal Debian.
 */
export async function letPostgresReach(
  dataDir: string,
  progress: Progress,
  deps: ReachDeps = systemDeps,
): Promise<void> {
  if (!deps.isRoot()) return;
  const postgres = deps.identity(POSTGRES_OS_USER);
  if (!postgres) return;
  for (const dir of untraversableDirs(dataDir, postgres, deps.stat)) {
    await deps.chmod(dir, (deps.stat(dir).mode & 0o7777) | 0o001);
    progress(
      `postgres: ${dir} was closed to user ${POSTGRES_OS_USER}; added o+x (enter, not list) so ` +
        `PostgreSQL, which does not run as root, reaches its data in ${dataDir}`,
    );
  }
}
