import { randomUUID } from 'node:crypto';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long'; // the protobuf runtime's 64-bit integers
import { SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';

/**
 * Registers a namespace of its own for one test file, with the saga's search attributes, so its
 * workers never pick up another file's workflows on the shared dev server.
 */
export async function createTestNamespace(connection: Connection, prefix: string): Promise<string> {
  const namespace = `${prefix}-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(24 * 3600) },
  });
  const { IndexedValueType } = temporal.api.enums.v1;
  const types = {
    Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  };
  // Namespace creation propagates asynchronously: retry until the operator API accepts it.
  for (let attempt = 0; ; attempt++) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, types[type]]),
        ),
      });
      return namespace;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
