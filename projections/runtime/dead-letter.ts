import type { RawHeaders } from '../../contracts/event-envelope';
import { DLT_HEADERS } from '../../contracts/dead-letter';
import { deadLetterTopic } from '../../contracts/topics';
import type { MessagePublisher, OutgoingMessage } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import type { ConsumedMessage } from './process-batch';

/**
 * Where poison events go: published to `<topic>.DLT` (the live projector), or only logged and
 * counted (a rebuild replaying events that were dead-lettered long ago).
 */
export type DeadLetterMode =
  { mode: 'publish'; publisher: MessagePublisher } | { mode: 'count-only' };

/** Error class name for `kafka_dlt-exception-fqcn` (JavaScript has no packages to qualify it). */
const errorClass = (error: Error): string => error.name || error.constructor.name || 'Error';

/** Flattens headers as consumed into headers as produced (the last value of a repeated one). */
export function copyHeaders(headers: RawHeaders | undefined): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The dead letter of a message the projector cannot apply: original key, value and headers,
 * plus where it came from and why it failed, under Spring Kafka's header names.
 */
export function deadLetterMessage(input: {
  topic: string;
  partition: number;
  groupId: string;
  message: ConsumedMessage;
  error: Error;
}): OutgoingMessage {
  const headers = copyHeaders(input.message.headers);
  headers[DLT_HEADERS.originalTopic] = input.topic;
  headers[DLT_HEADERS.originalPartition] = String(input.partition);
  headers[DLT_HEADERS.originalOffset] = input.message.offset;
  if (input.message.timestamp) headers[DLT_HEADERS.originalTimestamp] = input.message.timestamp;
  headers[DLT_HEADERS.originalConsumerGroup] = input.groupId;
  headers[DLT_HEADERS.exceptionMessage] = input.error.message.slice(0, 4_000);
  headers[DLT_HEADERS.exceptionFqcn] = errorClass(input.error);
  return { key: input.message.key?.toString() ?? null, value: input.message.value, headers };
}

/** Logs each poison event and, in `publish` mode, sends it to the dead-letter topic. */
export function createDeadLetterSink(deps: {
  log: Logger;
  topic: string;
  groupId: string;
  deadLetters: DeadLetterMode;
}) {
  const { log, topic, groupId, deadLetters } = deps;
  return async (partition: number, message: ConsumedMessage, error: Error): Promise<void> => {
    log.warn(
      { partition, offset: message.offset, err: error, mode: deadLetters.mode },
      'dead-lettering an event',
    );
    if (deadLetters.mode === 'count-only') return;
    await deadLetters.publisher.publish(deadLetterTopic(topic), [
      deadLetterMessage({ topic, partition, groupId, message, error }),
    ]);
  };
}
