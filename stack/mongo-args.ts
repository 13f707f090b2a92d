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

export const mongoUrlFor = (port: number): string => `mongodb://127.0.0.1:${port}/`;
