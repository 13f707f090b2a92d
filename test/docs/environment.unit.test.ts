import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { APPLICATIONS, processName } from '../../contracts/services';
import { CONFIG_SCHEMAS, CREATE_TOPICS } from '../deploy/process-configs';

// The variables each program's documentation names are exactly those its configuration schema
// reads. The API's are listed in api/README.md ("Environment"); every other process's in
// docs/operations.md ("Configuration"), which also holds what every process reads; the
// connection settings of each server are in docs/operations.md ("Running secured").

const root = join(__dirname, '..', '..');
const operations = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
const apiReadme = readFileSync(join(root, 'api', 'README.md'), 'utf8');

/** Read by the logger of every process straight from the environment, not through a schema. */
const OUTSIDE_SCHEMAS = ['LOG_FORMAT'];

/** A Markdown section's body: from its heading to the next heading of its level or above. */
function section(markdown: string, heading: string): string {
  let fenced = false;
  const headings = markdown.split('\n').map((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return fenced ? 0 : (/^(#+) /.exec(line)?.[1].length ?? 0);
  });
  const lines = markdown.split('\n');
  const start = lines.findIndex((line, i) => headings[i] > 0 && line.startsWith(heading));
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = headings[start];
  const end = headings.findIndex((h, i) => i > start && h > 0 && h <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Environment variables a text names in code spans: `NAME` or `NAME=value`. */
const variablesIn = (text: string): string[] => [
  ...new Set([...text.matchAll(/`([A-Z][A-Z0-9_]*[A-Z0-9])(?:=[^`]*)?`/g)].map((m) => m[1])),
];

/** A table's rows by their first cell (code spans unwrapped), the rest of the row as text. */
function tableRows(text: string): Map<string, string> {
  const rows = text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .slice(1)
    .map((line) => line.split('|').slice(1, -1));
  return new Map(rows.map(([key, ...rest]) => [key.trim().replace(/`/g, ''), rest.join('|')]));
}

const configuration = tableRows(section(operations, '## Configuration'));
const connections = tableRows(section(operations, '## Running secured'));
/** Each server's address variable: naming it, a process reads that server's connection settings. */
const SERVER_ADDRESSES = {
  Temporal: 'TEMPORAL_ADDRESS',
  Kafka: 'KAFKA_BROKERS',
  MongoDB: 'MONGO_URL',
};

const row = (table: Map<string, string>, key: string): string[] => {
  const text = table.get(key);
  if (text === undefined) throw new Error(`no row "${key}"`);
  return variablesIn(text);
};

/** What a process's documentation names: its own list, what every process reads, its servers'. */
function documented(own: string[]): string[] {
  const servers = Object.entries(SERVER_ADDRESSES).filter(([, address]) => own.includes(address));
  const connectionSettings = servers.flatMap(([server]) => row(connections, server));
  const anyServer = servers.length > 0 ? row(connections, 'any') : [];
  return [
    ...new Set([
      ...row(configuration, 'every process'),
      ...own,
      ...connectionSettings,
      ...anyServer,
    ]),
  ];
}

const programs: [string, string[], z.ZodObject][] = [
  ...APPLICATIONS.map((app): [string, string[], z.ZodObject] => {
    const name = processName(app);
    if (app === 'api')
      return [name, variablesIn(section(apiReadme, '## Environment')), CONFIG_SCHEMAS[app]];
    const workerRow = app === 'projector' ? [] : row(configuration, 'every worker');
    return [name, [...workerRow, ...row(configuration, name)], CONFIG_SCHEMAS[app]];
  }),
  ['create-topics', row(configuration, 'create-topics'), CREATE_TOPICS.schema],
];

describe('documented environment variables', () => {
  it.each(programs)(
    '%s: the documentation names exactly what its schema reads',
    (_name, own, schema) => {
      const names = documented(own);
      const read = [...Object.keys(schema.shape), ...OUTSIDE_SCHEMAS];
      expect({
        undocumented: read.filter((v) => !names.includes(v)).sort(),
        notRead: names.filter((v) => !read.includes(v)).sort(),
      }).toEqual({ undocumented: [], notRead: [] });
    },
  );

  it('the Configuration table has a row for every process and nothing else', () => {
    const expected = [
      'every process',
      'every worker',
      ...APPLICATIONS.map(processName),
      'create-topics',
    ];
    expect([...configuration.keys()].sort()).toEqual(expected.sort());
  });

  it('variables read outside the schemas are read by the logger every process uses', () => {
    const logger = readFileSync(join(root, 'lib', 'logger.ts'), 'utf8');
    for (const variable of OUTSIDE_SCHEMAS) expect(logger).toContain(`process.env.${variable}`);
  });

  it('a section runs to the next heading of its level, past subsections and code blocks', () => {
    const markdown = [
      '# Doc',
      '## A',
      '`ONE`, `TWO=2` and `lower`',
      '```sh',
      '# not a heading: `THREE`',
      '```',
      '### A.1',
      '`FOUR`',
      '## B',
      '`FIVE`',
    ].join('\n');
    expect(variablesIn(section(markdown, '## A')).sort()).toEqual(['FOUR', 'ONE', 'THREE', 'TWO']);
  });
});
