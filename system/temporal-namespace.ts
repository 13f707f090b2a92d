import { randomUUID } from 'node:crypto';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long'; // the protobuf runtime's 64-bit integers
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

/**
 * Registers the saga's search attributes in `namespace` through the operator API (the
 * time-skipping test server has no flag for them). A namespace registered a moment ago
 * propagates asynchronously, so this retries until the operator API accepts it.
 */
export async function registerSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<void> {
  const { IndexedValueType } = temporal.api.enums.v1;
  const types = {
    Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, types[type]]),
        ),
      });
      return;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Registers a namespace of its own (`<prefix>-<random>`) with the saga's search attributes, so
 * its workers never pick up another system's workflows on a shared server.
 */
export async function createNamespace(connection: Connection, prefix: string): Promise<string> {
  const namespace = `${prefix}-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(24 * 3600) },
  });
  await registerSearchAttributes(connection, namespace);
  return namespace;
}
