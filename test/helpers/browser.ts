/// <reference lib="dom" />
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';

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

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The rules the pages and mail are held to: WCAG 2.0 to 2.2, A and AA, and axe's best practices. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/**
 * What axe-core finds wrong with the page as it is, one line per rule and element. The page's
 * context must be opened with `bypassCSP: true`: the pages allow no script, axe's included.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: AxeRunner }).axe;
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return results.violations.map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join('; ')})`,
    );
  }, AXE_TAGS);
  return violations;
}

interface AxeRunner {
  run(
    context: unknown,
    options: unknown,
  ): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }>;
}
