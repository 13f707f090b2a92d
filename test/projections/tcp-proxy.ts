import net from 'node:net';

// A TCP proxy in front of a server, to make it fail for one client without touching the server
// that other tests share:
//  * `cut()` drops every open connection and refuses new ones (like a killed process), and
//    `resume()` accepts connections again on the same port;
//  * `hangRequestsWith(marker)` swallows the next requests whose bytes contain `marker`, and
//    each such connection goes silent both ways for good: a server stuck in that request, while
//    it answers every other connection (FerretDB's update that ended only at its shutdown);
//  * `hang()` makes every connection, open or new, silent: nothing is read from the client and
//    nothing forwarded either way (a hung server; a large request fills the socket buffers).

export interface TcpProxy {
  port: number;
  cut(): void;
  resume(): Promise<void>;
  /** `times`: how many requests (and so connections) to take; default: all from now on. */
  hangRequestsWith(marker: string, times?: number): void;
  hang(): void;
  /** Requests swallowed by `hangRequestsWith` so far. */
  readonly hungRequests: number;
  close(): Promise<void>;
}

interface Pipe {
  client: net.Socket;
  upstream?: net.Socket;
  silent: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pipes = new Set<Pipe>();
  let server: net.Server | undefined;
  let port = 0;
  let hangingAll = false;
  let hangRule: { marker: Buffer; left: number } | undefined;
  let hungRequests = 0;

  const silence = (pipe: Pipe) => {
    pipe.silent = true;
    pipe.client.pause();
    pipe.upstream?.pause();
  };
  const connect = (client: net.Socket) => {
    const pipe: Pipe = { client, silent: false };
    pipes.add(pipe);
    client.on('error', () => undefined);
    client.on('close', () => {
      pipes.delete(pipe);
      pipe.upstream?.destroy();
    });
    if (hangingAll) return silence(pipe);
    const upstream = net.connect(target.port, target.host);
    pipe.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (pipe.silent) return;
      if (hangRule && hangRule.left > 0 && chunk.includes(hangRule.marker)) {
        hangRule.left--;
        hungRequests++;
        return silence(pipe);
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => pipe.silent || client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (pipe.silent) return;
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => pipe.silent || upstream.resume());
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer(connect);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const cut = () => {
    server?.close();
    server = undefined;
    for (const pipe of pipes) {
      pipe.client.destroy();
      pipe.upstream?.destroy();
    }
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    resume: listen,
    hangRequestsWith(marker, times = Infinity) {
      hangRule = { marker: Buffer.from(marker), left: times };
    },
    hang() {
      hangingAll = true;
      for (const pipe of pipes) silence(pipe);
    },
    get hungRequests() {
      return hungRequests;
    },
    close: async () => {
      cut();
      await new Promise((r) => setImmediate(r));
    },
  };
}
