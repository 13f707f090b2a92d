import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { testServers } from '../setup/servers';
import { greet } from './workflows';

jest.setTimeout(120_000);

// temporal.api.enums.v1.IndexedValueType numbers, as listSearchAttributes reports types.
const INDEXED_VALUE_TYPE: Record<string, number> = { Keyword: 2, Int: 3 };

describe('Temporal dev server (smoke)', () => {
  const { temporalAddress } = testServers();
  let bundle: WorkflowBundle;
  let connection: Connection;
  let nativeConnection: NativeConnection;

  beforeAll(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') });
    connection = await Connection.connect({ address: temporalAddress });
    nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  });

  afterAll(async () => {
    await connection?.close();
    await nativeConnection?.close();
  });

  it('runs a workflow through a real worker and client', async () => {
    const taskQueue = `smoke-${randomUUID()}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: bundle,
    });
    const client = new Client({ connection });
    const result = await worker.runUntil(
      client.workflow.execute(greet, { taskQueue, workflowId: taskQueue, args: ['saga'] }),
    );
    expect(result).toBe('hello, saga');
  });

  it('has the custom search attributes registered', async () => {
    const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const registered = res.customAttributes ?? {};
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
      expect({ name, type: registered[name] }).toEqual({ name, type: INDEXED_VALUE_TYPE[type] });
    }
    expect(Object.keys(SEARCH_ATTRIBUTES).sort()).toEqual([
      'CustomerId',
      'OrderStatus',
      'OrderTotal',
    ]);
  });
});
