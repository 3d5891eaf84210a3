/**
 * `npm run screenshots`: every page a person sees and every email, in two languages, at a desktop
 * width and a phone's, drawn by Debian's Chromium into docs/screenshots/ (committed, and linked
 * from the README, so a reviewer sees them without running anything).
 *
 * It drives the local server as a person would: a client asks for a token in the language, the
 * outbox's email is shown as a mail reader would, and its link is opened in a browser of that
 * language. Randomness is seeded, so drawing again changes no file unless a page changed.
 *
 *   npm run screenshots            redraws them all
 *   CHROMIUM_PATH=… npm run …      with another Chromium than /usr/bin/chromium
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import type { OutboxMessage } from '../functions/adapters/local/outbox.js';
import { loadLocalConfig } from '../functions/config.js';
import { BACK_PATH, type LocalServer, startLocalServer } from '../functions/local/server.js';
import { launchChromium } from '../test/helpers/browser.js';
import { SeededRandom } from '../test/helpers/random.js';

export const SCREENSHOTS_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
export const SCREENSHOT_LOCALES = ['en', 'de'] as const;
export const SCREENSHOT_WIDTHS = [1280, 390] as const;

/** What is drawn, in the order the README shows it: the name says what a person is looking at. */
export const SCREENS = [
  'email',
  'confirm',
  'confirmed',
  'back',
  'password-reset-email',
  'password-reset-confirm',
  'password-reset-confirmed',
  'notice-email',
  'error-no-longer-valid',
  'error-unknown-session',
  'error-incomplete',
] as const;
export type Screen = (typeof SCREENS)[number];

/** docs/screenshots/<locale>-<screen>-<width>.png */
export const screenshotFile = (locale: string, screen: Screen, width: number) =>
  `${locale}-${screen}-${width}.png`;

/** Every file `npm run screenshots` writes. */
export const SCREENSHOT_FILES = SCREENSHOT_LOCALES.flatMap((locale) =>
  SCREENS.flatMap((screen) => SCREENSHOT_WIDTHS.map((width) => screenshotFile(locale, screen, width))),
);

const CLIENT = '/_matrix/client/v3';

/** The local server as a client and a mail reader see it, in one language. */
class Visit {
  private attempt = 0;
  constructor(
    private readonly server: LocalServer,
    readonly locale: string,
  ) {}

  /** Asks for an emailed token as a client would, and returns the email the outbox holds. */
  async requestEmail(purpose: 'register' | 'account/password', email: string, nextLink?: string) {
    this.attempt += 1;
    const response = await fetch(new URL(`${CLIENT}/${purpose}/email/requestToken`, this.server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': this.locale },
      body: JSON.stringify({
        client_secret: `screenshots-${this.locale}-${this.attempt}`,
        email,
        send_attempt: 1,
        ...(nextLink === undefined ? {} : { next_link: nextLink }),
      }),
    });
    if (response.status !== 200) throw new Error(`requestToken answered ${response.status}`);
    const message = this.server.outbox
      .messages()
      .filter((candidate: OutboxMessage) => candidate.to === email)
      .at(-1);
    if (!message?.html) throw new Error(`no email was sent to ${email}`);
    // The email names the public URL, the same on every run; the browser opens it here.
    const written = message.text.match(/https?:\/\/\S+/)?.[0];
    const link = written === undefined ? undefined : new URL(written);
    if (link) link.host = new URL(this.server.url).host;
    if (link) link.protocol = 'http:';
    return { html: message.html, link };
  }
}

async function shoot(page: Page, locale: string, screen: Screen): Promise<void> {
  for (const width of SCREENSHOT_WIDTHS) {
    await page.setViewportSize({ width, height: width > 600 ? 800 : 844 });
    await page.screenshot({
      path: join(SCREENSHOTS_DIR, screenshotFile(locale, screen, width)),
      fullPage: true,
    });
  }
}

/**
 * An email as a mail reader shows it: in a page of its own, as a page that served a
 * Content-Security-Policy would keep it for the email too, and block its inline styles.
 */
async function showEmail(context: BrowserContext, html: string, locale: string, screen: Screen) {
  const page = await context.newPage();
  await page.setContent(html);
  await shoot(page, locale, screen);
  await page.close();
}

async function drawLocale(context: BrowserContext, server: LocalServer, locale: string): Promise<void> {
  const visit = new Visit(server, locale);
  const page = await context.newPage();
  const draw = (screen: Screen) => shoot(page, locale, screen);
  const back = new URL(BACK_PATH, server.url).href;

  // Registration: the email, its page, the button, and the app it goes back to.
  const registration = await visit.requestEmail('register', `alice.${locale}@example.org`, back);
  await showEmail(context, registration.html, locale, 'email');
  if (!registration.link) throw new Error('the registration email has no link');
  await page.goto(registration.link.href);
  await draw('confirm');
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((url) => url.pathname === BACK_PATH);
  await draw('back');

  // The same link again, now that it is used: the page says it is confirmed.
  await page.goto(registration.link.href);
  await draw('confirmed');

  // A password reset, for an address the bindings give an account.
  const reset = await visit.requestEmail('account/password', 'bob@example.org');
  await showEmail(context, reset.html, locale, 'password-reset-email');
  if (!reset.link) throw new Error('the password reset email has no link');
  await page.goto(reset.link.href);
  await draw('password-reset-confirm');
  await page.locator('form button[type="submit"]').click();
  await page.waitForLoadState();
  await draw('password-reset-confirmed');

  // Registering an address that has an account, with uniform answers: a notice, not a token.
  const notice = await visit.requestEmail('register', 'bob@example.org');
  await showEmail(context, notice.html, locale, 'notice-email');

  // What a broken or stale link shows.
  const stale = new URL(registration.link);
  stale.searchParams.set('token', 'not-the-token');
  await page.goto(stale.href);
  await draw('error-no-longer-valid');
  const unknown = new URL(registration.link);
  unknown.searchParams.set('sid', 'no-such-session');
  await page.goto(unknown.href);
  await draw('error-unknown-session');
  const incomplete = new URL(registration.link);
  incomplete.searchParams.delete('token');
  await page.goto(incomplete.href);
  await draw('error-incomplete');
  await page.close();
}

export async function drawScreenshots(): Promise<string[]> {
  const config = loadLocalConfig({
    PORT: '0',
    LOG_LEVEL: 'SILENT',
    RATE_LIMITS: 'off',
    SERVER_NAME: 'example.org',
    PUBLIC_BASEURL: 'https://matrix.example.org/',
    SUPPORT_CONTACT: 'help@example.org',
    TOKEN_HMAC_SECRET: 'screenshots-are-not-a-secret-0123456789',
    THREEPID_BINDINGS_FILE: fileURLToPath(new URL('../examples/bindings.json', import.meta.url)),
    REQUEST_TOKEN_INHIBIT_3PID_ERRORS: 'true',
    RESPONSE_FLOOR_MS: '0',
  });
  const server = await startLocalServer({ config, random: new SeededRandom(10) });
  const browser = await launchChromium();
  try {
    rmSync(SCREENSHOTS_DIR, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    for (const locale of SCREENSHOT_LOCALES) {
      const context = await browser.newContext({ locale, deviceScaleFactor: 1 });
      await drawLocale(context, server, locale);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return readdirSync(SCREENSHOTS_DIR).sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const written = await drawScreenshots();
  console.log(`${written.length} screenshots in ${SCREENSHOTS_DIR}`);
}
