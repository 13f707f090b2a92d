// The secure profile's Temporal server: the CLI's dev server cannot serve TLS (`temporal server
// start-dev` 1.9.1 has no TLS flag), so this process runs it as a child on a loopback port and
// serves the public port itself with TLS, requiring a client certificate signed by the stack's
// CA (mutual TLS), and pipes each accepted connection's bytes (gRPC over HTTP/2) to it.
//
//   node --import tsx stack/temporal-tls-front.ts --listen H:P --upstream H:P \
//     --cert F --key F --ca F -- <dev server command...>
//
// One unit for the stack: SIGTERM/SIGINT stop the dev server, then this process; the dev server
// exiting ends this process with its exit code.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

interface FrontArgs {
  listen: { host: string; port: number };
  upstream: { host: string; port: number };
  cert: string;
  key: string;
  ca: string;
  command: string[];
}

function hostPort(value: string | undefined, flag: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(value ?? '');
  if (!m) throw new Error(`${flag} must be host:port`);
  return { host: m[1], port: Number(m[2]) };
}

export function parseFrontArgs(argv: string[]): FrontArgs {
  const split = argv.indexOf('--');
  if (split < 0 || split === argv.length - 1) throw new Error('missing `-- <command...>`');
  const flags = new Map<string, string>();
  for (let i = 0; i < split; i += 2) flags.set(argv[i], argv[i + 1]);
  const file = (flag: string): string => {
    const v = flags.get(flag);
    if (!v) throw new Error(`${flag} is required`);
    return v;
  };
  return {
    listen: hostPort(flags.get('--listen'), '--listen'),
    upstream: hostPort(flags.get('--upstream'), '--upstream'),
    cert: file('--cert'),
    key: file('--key'),
    ca: file('--ca'),
    command: argv.slice(split + 1),
  };
}

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} tls-front: ${line}\n`);
};

function pipeTo(upstream: FrontArgs['upstream'], socket: tls.TLSSocket): void {
  const cn = socket.getPeerCertificate().subject?.CN;
  const name = Array.isArray(cn) ? cn.join(',') : (cn ?? '?');
  const who = `${name} (${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'})`;
  log(`accepted ${who}`);
  const target = net.connect(upstream.port, upstream.host);
  const close = (): void => {
    socket.destroy();
    target.destroy();
  };
  target.once('error', (err) => {
    log(`upstream for ${who}: ${err.message}`);
    close();
  });
  socket.once('error', close);
  socket.pipe(target).pipe(socket);
}

function main(args: FrontArgs): void {
  const [cmd, ...cmdArgs] = args.command;
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'inherit', 'inherit'] });
  const server = tls.createServer(
    {
      cert: readFileSync(args.cert),
      key: readFileSync(args.key),
      ca: readFileSync(args.ca),
      requestCert: true,
      rejectUnauthorized: true,
      // gRPC clients (grpc-js, the SDK core's tonic/rustls) insist on HTTP/2 by ALPN.
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.2',
    },
    (socket) => pipeTo(args.upstream, socket),
  );
  // A refused handshake (no client certificate, an unknown CA, plaintext) is worth a line.
  server.on('tlsClientError', (err, socket) => {
    log(`refused ${socket.remoteAddress ?? '?'}: ${err.message}`);
  });
  server.once('error', (err: Error) => {
    log(`cannot serve ${args.listen.host}:${args.listen.port}: ${err.message}`);
    child.kill('SIGTERM');
    process.exitCode = 1;
  });
  server.listen(args.listen.port, args.listen.host, () => {
    log(`TLS (client certificates required) on ${args.listen.host}:${args.listen.port}`);
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the dev server`);
    server.close();
    child.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  child.once('exit', (code, signal) => {
    log(`dev server exited (${signal ?? `code ${String(code)}`})`);
    server.close();
    process.exit(stopping ? 0 : (code ?? 1));
  });
}

if (require.main === module) {
  try {
    main(parseFrontArgs(process.argv.slice(2)));
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
}
