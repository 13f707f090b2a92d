import { z } from 'zod';
import { DEV_CODEC_KEYS, parseCodecKeys, type CodecConfig } from './codec';

/**
 * Where a process runs, decided once from the environment and shared by the API, the workers
 * and the projector, so they can never disagree about which rules apply:
 * - `local`: only an explicit LOCAL_MODE=true. Development defaults (published secrets, the
 *   development codec key, the simulated payment provider, plaintext connections) are allowed.
 * - `deployed`: anything else. No development secret is ever used as a fallback, and
 *   placeholders (`change-me`) and the published development keys are refused.
 * - `production`: deployed with NODE_ENV=production. Plaintext connections are refused unless
 *   ALLOW_PLAINTEXT names the server, and so is the simulated payment provider.
 * NODE_ENV alone never makes a process local: a staging cluster with NODE_ENV=staging gets the
 * deployed rules, not the laptop's.
 */
export type DeploymentMode = 'local' | 'deployed' | 'production';

// Outer optional: configs built as literals (the in-process system, tests) need not say; a
// config that does not say is not local.
export const deploymentShape = {
  NODE_ENV: z.string().optional(),
  /** `true` runs with the development defaults; refused with NODE_ENV=production. */
  LOCAL_MODE: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1')
    .optional(),
};

export interface DeploymentInput {
  NODE_ENV?: string;
  LOCAL_MODE?: boolean;
}

export function deploymentMode(c: DeploymentInput): DeploymentMode {
  if (c.LOCAL_MODE === true) return 'local';
  return c.NODE_ENV === 'production' ? 'production' : 'deployed';
}

export const isLocal = (c: DeploymentInput): boolean => deploymentMode(c) === 'local';

/** Refinement shared by every process's schema: local mode is never combined with production. */
export function checkDeploymentMode(c: DeploymentInput, ctx: z.RefinementCtx): void {
  if (c.LOCAL_MODE === true && c.NODE_ENV === 'production') {
    ctx.addIssue({
      code: 'custom',
      path: ['LOCAL_MODE'],
      message:
        'LOCAL_MODE=true is refused with NODE_ENV=production: local mode uses published development secrets (unset LOCAL_MODE, or NODE_ENV for a laptop)',
    });
  }
}

/** `change-me`, `CHANGE-ME`, `ChangeMe`, `change_me` … anywhere in the value. */
const PLACEHOLDER = /change[-_ ]?me/i;

/**
 * Outside local mode a secret must be real: not a placeholder left from an example file, and
 * not one of the development values this repository publishes. `published` lists those for the
 * variable (the development JWT secret, say). The message names the variable, never the value.
 */
export function checkSecret(
  c: DeploymentInput,
  ctx: z.RefinementCtx,
  variable: string,
  value: string | undefined,
  published: readonly string[] = [],
): void {
  if (value === undefined || isLocal(c)) return;
  if (PLACEHOLDER.test(value)) {
    ctx.addIssue({
      code: 'custom',
      path: [variable],
      message: 'is a placeholder (contains "change-me"): set a real secret',
    });
  } else if (published.includes(value)) {
    ctx.addIssue({
      code: 'custom',
      path: [variable],
      message:
        'is the published development value, refused outside local mode: generate a real one',
    });
  }
}

const DEV_CODEC_KEY_MATERIAL = (() => {
  const parsed = parseCodecKeys(DEV_CODEC_KEYS);
  return 'keys' in parsed ? [...parsed.keys.values()] : [];
})();

/** The published development codec key, refused outside local mode (it is in this repository). */
export function checkCodecKeysNotDevelopment(
  c: DeploymentInput & CodecConfig,
  ctx: z.RefinementCtx,
): void {
  if (isLocal(c) || c.CODEC_KEYS === undefined) return;
  const ring = [...c.CODEC_KEYS.values()];
  if (ring.some((key) => DEV_CODEC_KEY_MATERIAL.some((dev) => dev.equals(key)))) {
    ctx.addIssue({
      code: 'custom',
      path: ['CODEC_KEYS'],
      message:
        'contains the published development key, refused outside local mode: generate one with `openssl rand -base64 32`',
    });
  }
}
