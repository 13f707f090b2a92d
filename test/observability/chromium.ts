import { existsSync } from 'node:fs';

// The browser test needs Debian's Chromium (Playwright's own browser download does not work on
// these machines). Without it the test is skipped, and says so loudly with the fix.

export const CHROMIUM_INSTALL_COMMAND = 'apt-get install -y chromium';

export type ChromiumLookup = { found: true; path: string } | { found: false; notice: string };

export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): ChromiumLookup {
  const path = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (exists(path)) return { found: true, path };
  return {
    found: false,
    notice:
      `SKIPPED: the Temporal UI browser test needs Chromium at ${path}, which is missing. ` +
      `Install it with \`${CHROMIUM_INSTALL_COMMAND}\` (or set CHROMIUM_PATH).`,
  };
}

/** Flags for headless Debian Chromium as root in a container, without its background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
