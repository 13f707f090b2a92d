import type { AddressInfo } from 'node:net';
import type { Clock } from '../../api/reads/read-your-writes';
import { orderView } from '../api/fakes';
import { ALL_SCOPES, harness, token } from '../api/harness';

// The API in this process on a free port, over the unit tests' in-memory fakes, for tools
// that test it from outside (schemathesis). Time is instant, so minVersion waits cost nothing.

function instantClock(): Clock {
  let now = Date.now();
  return {
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

export interface ContractApi {
  url: string;
  /** A bearer token with every scope, for the subject that owns the seeded order. */
  token: string;
  close(): Promise<void>;
}

export async function startContractApi(): Promise<ContractApi> {
  const h = harness({ clock: instantClock() });
  await h.catalog.upsert('SKU-1', { name: 'Kettle', unitPrice: 2500, available: 100 });
  h.readModel.views.set('ord_seed', orderView({ orderId: 'ord_seed', customerId: 'alice' }));
  const server = h.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: await token('alice', ALL_SCOPES, 3600),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
