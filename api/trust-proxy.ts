import { isIP } from 'node:net';
import { z } from 'zod';

// Express "trust proxy" decides which X-Forwarded-For entries are believed when it computes
// req.ip, which is what anonymous clients are rate limited by. `true` would believe every
// entry, so a client could pick its own address (and bucket) by sending the header; only a
// hop count or the proxies' addresses are accepted.

/** proxy-addr's names for the private ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrSubnet(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits;
}

/** TRUST_PROXY: `0` (trust no proxy, the default), a hop count, or an address/subnet list. */
export const TrustProxy = z
  .string()
  .default('0')
  .transform((value, ctx): number | string[] => {
    const trimmed = value.trim();
    if (/^\d{1,2}$/.test(trimmed)) return Number(trimmed);
    const entries = trimmed
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.filter((e) => !isAddressOrSubnet(e));
    if (entries.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message:
          'expected a hop count (e.g. 1) or a comma-separated list of proxy addresses or subnets (e.g. 10.0.0.0/8,loopback); "true" is refused because it lets clients choose their own address',
      });
      return z.NEVER;
    }
    return entries;
  });
