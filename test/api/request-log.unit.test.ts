import { Writable } from 'node:stream';
import pino from 'pino';
import { harness, validOrder } from './harness';
import { getAs, postOrderAs } from './requests';

// Request lines are short (no headers) and a refused request is the client's business (info);
// only server errors are logged as errors, and only unexpected ones with a stack.

function capturing() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

const completed = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.msg === 'request completed');

describe('request log', () => {
  it('one short line per request: id, method, url, status and time; no headers', async () => {
    const { lines, logger } = capturing();
    const h = harness({ logger });
    await postOrderAs(h.app);
    const [line] = completed(lines);
    expect(line).toMatchObject({
      level: 30,
      req: { method: 'POST', url: '/orders' },
      res: { statusCode: 202 },
    });
    expect(Object.keys(line.req as object).sort()).toEqual(['id', 'method', 'url']);
    expect(Object.keys(line.res as object)).toEqual(['statusCode']);
    expect(typeof line.responseTime).toBe('number');
    expect(JSON.stringify(line)).not.toMatch(
      /headers|authorization|Bearer|content-security-policy/i,
    );
    expect(JSON.stringify(line).length).toBeLessThan(400);
  });

  it('a refused request (4xx) is logged at info without a stack', async () => {
    const { lines, logger } = capturing();
    const h = harness({ logger });
    await postOrderAs(h.app, { ...validOrder(), paymentToken: 'nope' });
    await getAs(h.app, '/orders/ord_x', 'a', 'orders:read');
    expect(
      completed(lines).map((l) => [l.level, (l.res as { statusCode: number }).statusCode]),
    ).toEqual([
      [30, 400],
      [30, 404],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/"stack"/);
  });

  it('an unexpected error is logged as an error with its stack', async () => {
    const { lines, logger } = capturing();
    const h = harness({ logger });
    h.readModel.failWith = new Error('boom');
    await getAs(h.app, '/orders/ord_1', 'a', 'orders:read');
    const unhandled = lines.find((l) => l.msg === 'unhandled error');
    expect(unhandled).toMatchObject({ level: 50, err: { message: 'boom' } });
    expect((unhandled?.err as { stack: string }).stack).toMatch(/Error: boom/);
  });
});
