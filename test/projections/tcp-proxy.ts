import net from 'node:net';

// A TCP proxy in front of a server, to make it "crash" for one client without touching the
// server that other tests share: `cut()` drops every open connection and refuses new ones
// (like a killed process), `resume()` accepts connections again on the same port.

export interface TcpProxy {
  port: number;
  cut(): void;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => {
            sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
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
    for (const socket of sockets) socket.destroy();
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    resume: listen,
    close: async () => {
      cut();
      await new Promise((r) => setImmediate(r));
    },
  };
}
