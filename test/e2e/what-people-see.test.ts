/// <reference lib="dom" />
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACK_PATH } from '../../functions/local/server.js';
import { axeViolations, CHROMIUM_AVAILABLE, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

/**
 * What a person sees, in a real browser: the email, the SMS and every page in the language the
 * client asked in, the address and the server on the page, and not one axe-core violation on any
 * page or in the email, at a desktop width and at 320 CSS pixels (a phone, or 400% zoom).
 */
describe.runIf(CHROMIUM_AVAILABLE)('what people see', () => {
  let server: TestServer;
  let browser: Browser;
  /** An English browser: the pages must follow the session, not the browser. */
  let english: BrowserContext;

  beforeAll(async () => {
    // Uniform answers, and an address with an account: registering it sends a notice, not a link.
    server = await startTestServer({
      SERVER_NAME: 'example.org',
      SUPPORT_CONTACT: 'help@example.org',
      THREEPID_BINDINGS_FILE: fileURLToPath(new URL('../../examples/bindings.json', import.meta.url)),
      REQUEST_TOKEN_INHIBIT_3PID_ERRORS: 'true',
      RESPONSE_FLOOR_MS: '0',
    });
    browser = await launchChromium();
    // axe is a script, and the pages allow none: this context lets it in.
    english = await browser.newContext({ locale: 'en-US', bypassCSP: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  let counter = 0;
  async function requestEmail(language: string, nextLink?: string) {
    counter += 1;
    const email = `person-${counter}@example.org`;
    const response = await server.post(
      '/_matrix/client/v3/register/email/requestToken',
      {
        client_secret: `see-${counter}`,
        email,
        send_attempt: 1,
        ...(nextLink ? { next_link: nextLink } : {}),
      },
      { 'Accept-Language': language },
    );
    expect(response.status).toBe(200);
    return {
      email,
      sid: String(response.json.sid),
      message: await server.lastMessage(email),
      link: await server.lastLink(email),
    };
  }

  /** Zero violations, and nothing wider than the window at 320 px. */
  async function expectAccessible(page: Page, what: string) {
    expect(await axeViolations(page), what).toEqual([]);
    await page.setViewportSize({ width: 320, height: 640 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${what} at 320 px`).toBeLessThanOrEqual(0);
    expect(await axeViolations(page), `${what} at 320 px`).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  it('is German end to end when the client asks in German: email, page, button, confirmation', async () => {
    const { email, message, link } = await requestEmail('de-DE,de;q=0.9,en;q=0.5');
    expect(message.subject).toBe('[example.org] Bestätigen Sie Ihre E-Mail-Adresse');
    expect(message.html).toContain('<html lang="de">');
    expect(message.html).toContain('>Bestätigungsseite öffnen</a>');
    expect(message.text).toContain('Der Link ist 1 Stunde lang gültig.');

    const page = await english.newPage();
    await page.goto(link.href);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.locator('h1').textContent()).toBe('Bestätigen Sie Ihre E-Mail-Adresse');
    await expect(page.locator('dd').first().textContent()).resolves.toBe(email);
    await expect(page.locator('dd').nth(1).textContent()).resolves.toBe('example.org');
    await page.getByRole('button', { name: 'E-Mail-Adresse bestätigen' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('E-Mail-Adresse bestätigt');
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    await page.close();
  });

  it('texts the code in German too', async () => {
    const response = await server.post(
      '/_matrix/client/v3/register/msisdn/requestToken',
      { client_secret: 'see-sms', country: 'DE', phone_number: '01512 3456789', send_attempt: 1 },
      { 'Accept-Language': 'de' },
    );
    expect(response.status).toBe(200);
    const sms = await server.lastMessage('+4915123456789');
    expect(sms.text).toMatch(
      /^Ihr Bestätigungscode für example\.org lautet \d{6}\. Er läuft in 10 Minuten ab\./,
    );
  });

  it('falls back to the default language for a language it does not have, and to the browser’s for an unknown link', async () => {
    const { message } = await requestEmail('ja, ko;q=0.5');
    expect(message.html).toContain('<html lang="en">');
    const french = await browser.newContext({ locale: 'fr-FR' });
    const page = await french.newPage();
    await page.goto(
      new URL(
        '/_matrix/client/v3/validate/email/confirm?sid=AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA&token=x',
        server.url,
      ).href,
    );
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.locator('h1').textContent()).toBe('Ce lien n’est pas valable');
    await french.close();
  });

  it.each(['en', 'fr'])('has no axe-core violation on any page or in the email (%s)', async (language) => {
    const { sid, message, link } = await requestEmail(language, new URL(BACK_PATH, server.url).href);
    const page = await english.newPage();

    await page.setContent(message.html ?? '');
    await expectAccessible(page, 'the email');

    await page.goto(link.href);
    await expectAccessible(page, 'the confirmation page');
    // The button shows where the keyboard is.
    await page.keyboard.press('Tab');
    for (
      let step = 0;
      step < 5 && (await page.evaluate(() => document.activeElement?.tagName)) !== 'BUTTON';
      step++
    ) {
      await page.keyboard.press('Tab');
    }
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
    });
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);

    await page.keyboard.press('Enter');
    await page.waitForURL(`**${BACK_PATH}?sid=${sid}`);
    await expectAccessible(page, 'the page next_link leads to (local)');

    await page.goto(link.href);
    expect(await page.locator('h1').textContent()).toMatch(/already confirmed|déjà confirmée/);
    await expectAccessible(page, 'the already-confirmed page');

    const broken = new URL(link.href);
    broken.searchParams.delete('token');
    await page.goto(broken.href);
    await expectAccessible(page, 'an error page');
    await page.close();
  });

  it('has no axe-core violation on the confirmed page without next_link, nor in a notice email', async () => {
    const { link } = await requestEmail('es');
    const page = await english.newPage();
    await page.goto(link.href);
    await page.getByRole('button').click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Dirección de correo confirmada');
    await expectAccessible(page, 'the confirmed page');
    await page.close();

    const notice = await server.post(
      '/_matrix/client/v3/register/email/requestToken',
      { client_secret: 'see-notice', email: 'bob@example.org', send_attempt: 1 },
      { 'Accept-Language': 'es' },
    );
    expect(notice.status).toBe(200);
    const message = await server.lastMessage('bob@example.org');
    expect(message.html).toContain('<html lang="es">');
    const mail = await english.newPage();
    await mail.setContent(message.html ?? '');
    await expectAccessible(mail, 'the notice email');
    await mail.close();
  });
});
