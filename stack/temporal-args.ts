// Pure: the dev server's command line.

export interface TemporalArgsInput {
  port: number;
  uiPort: number;
  dbFile: string;
  namespace?: string;
  /** Name → type as `--search-attribute Name=Type` expects (contracts/search-attributes.ts). */
  searchAttributes: Record<string, string>;
  /** Remote codec endpoint the Web UI calls to decode payloads (the API's /codec). */
  uiCodecEndpoint?: string;
}

export function temporalArgs(i: TemporalArgsInput): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(i.port),
    '--ui-port',
    String(i.uiPort),
    // SQLite file, so a restarted stack keeps workflow history.
    '--db-filename',
    i.dbFile,
    // The default rollback journal syncs every transaction; WAL with synchronous=NORMAL survives
    // a crash of the server process (not of the OS) and ran 2.7 instead of 1.0 bare workflows/s
    // in the same bench run on this 2-core machine.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--namespace',
    i.namespace ?? 'default',
    '--log-format',
    'json',
    '--log-level',
    'warn',
    ...Object.entries(i.searchAttributes).flatMap(([name, type]) => [
      '--search-attribute',
      `${name}=${type}`,
    ]),
    ...(i.uiCodecEndpoint ? ['--ui-codec-endpoint', i.uiCodecEndpoint] : []),
  ];
}
