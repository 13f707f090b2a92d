import { Parser } from '@asyncapi/parser';
import { buildAsyncApiDocument, payloadSchemaName } from '../../contracts/asyncapi';
import { ORDER_EVENT_TYPES } from '../../contracts/events';
import { ORDER_EVENTS_TOPIC } from '../../contracts/topics';

describe('AsyncAPI document', () => {
  const document = buildAsyncApiDocument();

  it('is a valid AsyncAPI 3.0 document', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    // severity 0 = error; warnings (e.g. missing servers) are allowed.
    const errors = diagnostics.filter((d) => Number(d.severity) === 0);
    expect(errors).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');
  });

  it('describes every event type on order.events with its payload and headers', async () => {
    const { document: parsed } = await new Parser().parse(JSON.stringify(document));
    const channel = parsed!
      .channels()
      .all()
      .find((c) => c.address() === ORDER_EVENTS_TOPIC);
    expect(channel).toBeDefined();
    const names = channel!
      .messages()
      .all()
      .map((m) => m.name());
    expect(new Set(names)).toEqual(new Set(ORDER_EVENT_TYPES));
    for (const message of channel!.messages().all()) {
      expect(message.hasPayload()).toBe(true);
      expect(message.headers()?.required()).toContain('ce_id');
    }
  });

  it('generates payload schemas from the zod schemas (OrderPlaced is at v2)', () => {
    const schemas = (document.components as { schemas: Record<string, { required?: string[] }> })
      .schemas;
    expect(payloadSchemaName('OrderPlaced')).toBe('OrderPlaced.v2');
    expect(schemas['OrderPlaced.v2']?.required).toEqual(
      expect.arrayContaining(['customerId', 'items', 'totalQuantity']),
    );
  });
});
