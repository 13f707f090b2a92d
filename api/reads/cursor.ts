// Pagination cursor: the (createdAt, orderId) of the last item served, as `<createdAt>~<orderId>`.
// Newest-first order is by createdAt then orderId, so the pair is unique and stable under
// inserts. Clients pass it back unchanged; its pattern is in the OpenAPI document, and every
// string that matches it is a position (comparisons are on the strings), so the document and
// the server agree exactly on which cursors are valid.

export interface Position {
  createdAt: string;
  orderId: string;
}

/** An ISO-8601 UTC timestamp, `~`, an order id. */
export const CURSOR_PATTERN =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z)~([A-Za-z0-9_-]{1,128})$/;

export function encodeCursor(p: Position): string {
  return `${p.createdAt}~${p.orderId}`;
}

/** The position, or null when the cursor does not have the cursor's format. */
export function decodeCursor(cursor: string): Position | null {
  const match = CURSOR_PATTERN.exec(cursor);
  return match ? { createdAt: match[1], orderId: match[2] } : null;
}
