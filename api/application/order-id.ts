import { randomBytes } from 'node:crypto';

/** Order ids are assigned by the API: `ord_` + 96 random bits, URL-safe and unguessable. */
export const newOrderId = (): string => `ord_${randomBytes(12).toString('hex')}`;
