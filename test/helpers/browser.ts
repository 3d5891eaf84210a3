import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium by default; set CHROMIUM_PATH to use another Chromium or Chrome binary. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. Locally a missing Chromium skips them with a message
 * saying how to get it; on CI (CI=true) it is an error, so nothing is silently skipped there.
 */
export const CHROMIUM_AVAILABLE = existsSync(CHROMIUM_PATH);
if (!CHROMIUM_AVAILABLE) {
  const hint = `Chromium is not at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`;
  if (process.env.CI) throw new Error(`CI needs a browser for the browser tests. ${hint}`);
  console.warn(`The browser tests will not run. ${hint}`);
}

/** Headless Chromium, with no network of its own: tests never download a browser. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
