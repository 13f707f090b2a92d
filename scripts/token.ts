import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { SCOPES } from '../api/auth/principal';
import { DEV_JWT_SECRET } from '../api/config';

// Prints a development bearer token for the API (HS256 with JWT_SECRET, or the documented
// development secret):  npm run token -- --sub alice --scope "orders:write orders:read"
// The scopes the API checks are SCOPES (api/auth/principal.ts), e.g. orders:codec for /codec.

const KNOWN_SCOPES: ReadonlySet<string> = new Set(Object.values(SCOPES));

const USAGE = [
  'usage: npm run token -- --sub <subject> [--scope "orders:write orders:read"] [--ttl 3600]',
  `  --scope: space-separated, of ${[...KNOWN_SCOPES].join(', ')} (orders:codec: the codec server at /codec)`,
].join('\n');

export async function devToken(options: {
  sub: string;
  scope: string;
  ttlSeconds: number;
  secret?: string;
  issuer?: string;
  audience?: string;
}): Promise<string> {
  let jwt = new SignJWT({ scope: options.scope })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds}s`);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      scope: { type: 'string', default: 'orders:write orders:read' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const ttlSeconds = Number(values.ttl);
  if (!values.sub || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    console.error(USAGE);
    process.exit(2);
  }
  const scope = values.scope ?? '';
  const unknown = scope.split(' ').filter((s) => s !== '' && !KNOWN_SCOPES.has(s));
  // Signed anyway (an identity provider may add scopes of its own), but the API ignores them.
  if (unknown.length > 0)
    console.error(`warning: the API checks none of ${unknown.join(', ')}\n${USAGE}`);
  process.stdout.write(
    (await devToken({
      sub: values.sub,
      scope,
      ttlSeconds,
      secret: process.env.JWT_SECRET,
      issuer: process.env.JWT_ISSUER,
      audience: process.env.JWT_AUDIENCE,
    })) + '\n',
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
