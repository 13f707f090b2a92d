// Pinned versions of what the stack provisions. stack/kafka/pom.xml and stack/ferretdb/go.mod
// must agree (a unit test checks), since they name the cache directories.
export const TEMPORAL_CLI_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';
export const KAFKA_VERSION = '3.9.1';
export const FERRETDB_VERSION = '2.5.0';
/** Debian 12's PostgreSQL; DocumentDB 0.106 supports 15-17. */
export const POSTGRES_MAJOR = 15;

/**
 * PostgreSQL extensions FerretDB 2 needs that no reachable registry ships (Debian's pg_cron is
 * too old, it has no pgvector, and DocumentDB exists only as source). Built from `git archive`
 * tarballs of these tags (see ../shared/vendor/README.md), verified by SHA-256.
 */
export const VENDORED_SOURCES = [
  {
    file: 'documentdb-0.106.0-ferretdb-2.5.0.tar.gz',
    repo: 'https://github.com/FerretDB/documentdb',
    tag: 'v0.106.0-ferretdb-2.5.0',
    sha256: '3ba0408eee7c3bc67933da50034092ee77e2aa79b61234c1216b0a1ffac21df1',
  },
  {
    file: 'pg_cron-1.6.3.tar.gz',
    repo: 'https://github.com/citusdata/pg_cron',
    tag: 'v1.6.3',
    sha256: '3580f4034021e62e459f9f7ab1f625774bfc534a9256844545da85d6f99c2f5b',
  },
  {
    file: 'pgvector-0.8.0.tar.gz',
    repo: 'https://github.com/pgvector/pgvector',
    tag: 'v0.8.0',
    sha256: '93df40ccdaaaa267d1275c1e6e773004a0e5ff8e14227934a4ec7e8205d0f608',
  },
] as const;

/** Debian packages the PostgreSQL side needs: the server, headers and DocumentDB's libraries. */
export const POSTGRES_DEBIAN_PACKAGES = [
  `postgresql-${POSTGRES_MAJOR}`,
  `postgresql-server-dev-${POSTGRES_MAJOR}`,
  `postgresql-${POSTGRES_MAJOR}-rum`,
  `postgresql-${POSTGRES_MAJOR}-postgis-3`,
  'libbson-dev',
  'libpcre2-dev',
  'libintelrdfpmath-dev',
  'libkrb5-dev',
  'pkg-config',
] as const;
