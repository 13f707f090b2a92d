import net from 'node:net';
import { cmdlineMatches, isAlive, isOurProcess, readCmdline, tailLines } from '../../stack/process';
import { ephemeralPortRange, freePorts, isPortFree } from '../../stack/ports';
import { requireTools } from '../../stack/tools';

describe('process identity', () => {
  it('matches only when every marker is an argv entry', () => {
    const argv = ['/usr/bin/java', '-cp', '/c/*', 'kafka.Kafka', '/s/server.properties'];
    expect(cmdlineMatches(argv, ['kafka.Kafka', '/s/server.properties'])).toBe(true);
    expect(cmdlineMatches(argv, ['kafka.Kafka', '/other/server.properties'])).toBe(false);
    expect(cmdlineMatches(undefined, [])).toBe(false);
  });

  it('reads our own command line from /proc', () => {
    expect(isAlive(process.pid)).toBe(true);
    const argv = readCmdline(process.pid) ?? [];
    expect(argv.length).toBeGreaterThan(0);
    expect(isOurProcess(process.pid, [argv[0] ?? 'x'])).toBe(true);
    expect(isOurProcess(process.pid, ['/no/such/marker'])).toBe(false);
  });
});

describe('tailLines', () => {
  it('keeps the last n lines', () => {
    expect(tailLines('a\nb\nc\nd\n', 2)).toBe('c\nd');
    expect(tailLines('a', 5)).toBe('a');
  });
});

describe('ports', () => {
  it('hands out distinct free ports below the range outgoing connections take theirs from', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(await isPortFree(p)).toBe(true);
    const { low } = ephemeralPortRange();
    for (const p of ports) expect(p).toBeLessThan(low);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(10_000);
  });

  it('reads the ephemeral range from the kernel, with a fallback', () => {
    expect(ephemeralPortRange(() => '32768\t60999\n')).toEqual({ low: 32768, high: 60999 });
    const fallback = { low: 49152, high: 65535 };
    expect(ephemeralPortRange(() => 'garbage')).toEqual(fallback);
    expect(
      ephemeralPortRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual(fallback);
  });

  it('sees a port in use', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('requireTools', () => {
  it('names every missing tool and what to install', () => {
    expect(() => requireTools(['java', 'mvn'], 'Kafka', { PATH: '/nonexistent' })).toThrow(
      /`java` not found on PATH: install a Java 17\+ runtime[\s\S]*`mvn` not found/,
    );
  });
});
