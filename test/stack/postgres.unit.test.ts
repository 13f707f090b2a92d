import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  aptInstallCommand,
  cachedVendorDir,
  vendorDirFromEnv,
  verifiedVendorDir,
} from '../../stack/postgres';
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
