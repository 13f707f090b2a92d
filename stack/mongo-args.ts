// Pure: command lines of the MongoDB-wire servers.
import type { MongoBinary } from './types';

export function mongoArgs(bin: MongoBinary, port: number, dataDir: string): string[] {
  switch (bin.kind) {
    case 'mongod':
      return ['--dbpath', dataDir, '--bind_ip', '127.0.0.1', '--port', String(port)];
    case 'ferretdb':
      return ['-listen', `127.0.0.1:${port}`, '-data', dataDir];
  }
}

// maxPoolSize: FerretDB 1.24 on SQLite deadlocks once more than its 100 SQLite connections per
// database are wanted at once (every update takes its metadata registry's write lock while
// readers hold the read lock and wait for a connection; goroutine dump of the chaos run of
// 2026-11-23). The driver's default pool is 100 per process, so several processes could get
// there; 20 per process keeps every database well below it. Harmless on mongod.
export const LOCAL_MONGO_POOL = 20;
export const mongoUrlFor = (port: number): string =>
  `mongodb://127.0.0.1:${port}/?maxPoolSize=${LOCAL_MONGO_POOL}`;
