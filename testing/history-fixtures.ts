import { temporal } from '@temporalio/proto';

// Workflow histories as JSON fixtures. `historyToJSON`/`historyFromJSON` of
// @temporalio/common/lib/proto-utils fail in this install ("type must be a Type": the package
// nests its own protobufjs copy), so the fixtures use protobufjs's object form of the same
// History message: enum names and 64-bit integers as strings, bytes as base64.

const { History } = temporal.api.history.v1;
export type History = temporal.api.history.v1.IHistory;

export function historyToFixture(history: History): string {
  const object = History.toObject(History.fromObject(history), {
    enums: String,
    longs: String,
    bytes: String,
  });
  return `${JSON.stringify(object, null, 2)}\n`;
}

export function historyFromFixture(json: string): temporal.api.history.v1.History {
  return History.fromObject(JSON.parse(json) as Record<string, unknown>);
}
