// Pure: the dev server's command line.

export interface TemporalArgsInput {
  port: number;
  uiPort: number;
  dbFile: string;
  namespace?: string;
  /** Name → type as `--search-attribute Name=Type` expects (workflows/search-attributes.ts). */
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
