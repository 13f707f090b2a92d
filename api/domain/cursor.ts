import { z } from 'zod';

// Opaque pagination cursor: the (createdAt, orderId) of the last item served. Newest-first
// order is by createdAt then orderId, so the pair is unique and stable under inserts.

export interface Position {
  createdAt: string;
  orderId: string;
}

const Decoded = z.tuple([z.iso.datetime(), z.string().min(1).max(128)]);

export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.createdAt, p.orderId]), 'utf8').toString('base64url');
}

/** The position, or null when the cursor was not produced by encodeCursor. */
export function decodeCursor(cursor: string): Position | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = Decoded.safeParse(json);
  return parsed.success ? { createdAt: parsed.data[0], orderId: parsed.data[1] } : null;
}
