// Minimal JSON over fetch for the benches (127.0.0.1 only).

export interface Reply<T> {
  status: number;
  body: T;
}

export async function call<T>(
  url: string,
  method: string,
  token: string,
  body?: unknown,
): Promise<Reply<T>> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
