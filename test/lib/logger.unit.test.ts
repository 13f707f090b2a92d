import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createLogger, logFormatFor, prettyLine } from '../../lib/logger';

// Logs for machines and for people: JSON when piped (or LOG_FORMAT=json), one readable line
// with the process name first on a terminal (or LOG_FORMAT=pretty).

const root = path.resolve(__dirname, '../..');
const fixture = path.join(__dirname, 'fixtures/write-log-line.ts');

/** Runs the fixture as its own process: what it writes to stdout. */
function runFixture(env: NodeJS.ProcessEnv, viaTerminal = false): string {
  const node = [process.execPath, '--import', 'tsx', fixture];
  const options = { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' as const };
  // `script` runs the command on a pseudo-terminal: its stdout is a TTY, as in a shell.
  return viaTerminal
    ? execFileSync('script', ['-qec', node.join(' '), '/dev/null'], options)
    : execFileSync(node[0], node.slice(1), options);
}

const hasScript = ['/usr/bin/script', '/bin/script'].some((p) => existsSync(p));
const PRETTY_LINE =
  /^worker-payments \d\d:\d\d:\d\d\.\d{3} INFO {2}worker started {"taskQueue":"payments"}$/;
// eslint-disable-next-line no-control-regex -- colours are escape sequences
const withoutColours = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').trim();

describe('a process started with its output piped', () => {
  it('writes JSON lines', () => {
    const out = runFixture({ LOG_FORMAT: undefined });
    expect(JSON.parse(out)).toMatchObject({
      level: 'info',
      service: 'worker-payments',
      taskQueue: 'payments',
      msg: 'worker started',
    });
  });

  it('writes the readable line when LOG_FORMAT=pretty', () => {
    expect(runFixture({ LOG_FORMAT: 'pretty' }).trim()).toMatch(PRETTY_LINE);
  });
});

(hasScript ? describe : describe.skip)('a process started on a terminal', () => {
  it('writes one readable line, the process name first', () => {
    expect(withoutColours(runFixture({ LOG_FORMAT: undefined }, true))).toMatch(PRETTY_LINE);
  });

  it('writes JSON when LOG_FORMAT=json', () => {
    const out = withoutColours(runFixture({ LOG_FORMAT: 'json' }, true));
    expect(JSON.parse(out)).toMatchObject({ service: 'worker-payments', msg: 'worker started' });
  });
});

describe('LOG_FORMAT', () => {
  it('auto (or unset) is pretty on a terminal and JSON otherwise; json and pretty are kept', () => {
    expect(logFormatFor(undefined, true)).toBe('pretty');
    expect(logFormatFor('auto', false)).toBe('json');
    expect(logFormatFor('', false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
  });

  it('a wrong value names the variable and the choices, not the value', () => {
    expect(() => logFormatFor('yaml-secret', true)).toThrow(
      'LOG_FORMAT: expected one of auto, json, pretty',
    );
    expect(() => logFormatFor('yaml-secret', true)).not.toThrow(/yaml-secret/);
  });
});

describe('the readable line', () => {
  function written(format: 'json' | 'pretty') {
    const lines: string[] = [];
    const logger = createLogger('projector', 'info', {
      format,
      colorize: false,
      destination: { write: (line: string) => void lines.push(line) },
    });
    return { lines, logger };
  }

  it('shows the process name, time, level, message, then the other fields on one line', () => {
    const { lines, logger } = written('pretty');
    logger.child({ orderId: 'ord_1' }).warn({ lag: 3 }, 'projector is behind');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^projector \d\d:\d\d:\d\d\.\d{3} WARN {2}projector is behind {"orderId":"ord_1","lag":3}\n$/,
    );
  });

  it("keeps an error's message and stack", () => {
    const { lines, logger } = written('pretty');
    logger.error({ err: new Error('broker unreachable') }, 'publish failed');
    expect(lines[0]).toMatch(/^projector .* ERROR publish failed/);
    expect(lines[0]).toMatch(
      /"message": "broker unreachable"[\s\S]*Error: broker unreachable\n\s+at /,
    );
  });

  it('the same event in JSON carries the same fields', () => {
    const { lines, logger } = written('json');
    logger.warn({ lag: 3 }, 'projector is behind');
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'warn',
      service: 'projector',
      lag: 3,
      msg: 'projector is behind',
    });
  });

  it('colours only when asked', () => {
    const json = JSON.stringify({
      level: 'info',
      time: new Date().toISOString(),
      service: 'api',
      msg: 'listening',
    });
    expect(prettyLine(true)(json)).toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
    expect(prettyLine(false)(json)).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
  });
});
