// Which profile a stack runs: `default` (plaintext, no users: today's stack) or `secure` (TLS
// everywhere, a user per process, Kafka ACLs). Chosen by STACK_PROFILE; recorded in the stack
// directory, since a directory's data belongs to the profile that created it.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const STACK_PROFILES = ['default', 'secure'] as const;
export type StackProfile = (typeof STACK_PROFILES)[number];

const profileSchema = z.enum(STACK_PROFILES);

export function stackProfileFromEnv(env: NodeJS.ProcessEnv): StackProfile {
  const raw = env.STACK_PROFILE?.trim();
  if (!raw) return 'default';
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`STACK_PROFILE must be one of ${STACK_PROFILES.join(', ')}`);
  }
  return parsed.data;
}

const markerFile = (dir: string): string => path.join(dir, 'profile');

/** Data a stack started before profiles existed leaves behind: such a directory is `default`. */
const DATA_OF_A_STACK = ['kafka/data/meta.properties', 'mongo/pgdata', 'temporal/temporal.db'];

/**
 * Records `profile` for a new stack directory, or checks that an existing one was made by the
 * same profile: Kafka's users are formatted into its storage and FerretDB's into its database,
 * so a directory cannot change profile.
 */
export async function claimProfile(dir: string, profile: StackProfile): Promise<void> {
  let recorded: string | undefined;
  try {
    recorded = (await fs.readFile(markerFile(dir), 'utf8')).trim();
  } catch {
    recorded = DATA_OF_A_STACK.some((f) => existsSync(path.join(dir, f))) ? 'default' : undefined;
  }
  if (recorded === undefined) {
    await fs.writeFile(markerFile(dir), `${profile}\n`);
    return;
  }
  if (recorded !== profile) {
    throw new Error(
      `The stack directory ${dir} holds a '${recorded}' profile stack, but STACK_PROFILE asks for ` +
        `'${profile}'. Use another STACK_DIR (the secure profile's default is <repo>/.stack/secure), ` +
        'or delete that directory after `npm run stack:down`.',
    );
  }
}
