import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_AVAILABLE, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

/**
 * A person in a real browser (headless Chromium) opens the emailed link. Opening it must change
 * nothing; pressing Confirm validates and lands on next_link, on another origin.
 */
describe.runIf(CHROMIUM_AVAILABLE)('the emailed link in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let app: Server;
  let appUrl: string;
  const appRequests: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    // Stands in for the Matrix client's web page that next_link points to.
    app = createServer((request, response) => {
      appRequests.push(request.url ?? '');
      response
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end('<title>Client</title><h1>Welcome back</h1>');
    });
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    app?.close();
    await server?.close();
  });

  async function requestLink(email: string, nextLink?: string) {
    const secret = `browser-${email.split('@')[0]}`;
    const response = await server.post('/_matrix/client/v3/register/email/requestToken', {
      client_secret: secret,
      email,
      send_attempt: 1,
      ...(nextLink ? { next_link: nextLink } : {}),
    });
    return { sid: String(response.json.sid), secret, link: await server.lastLink(email) };
  }

  const validation = (sid: string, secret: string) =>
    server.get('/_matrix/identity/v2/3pid/getValidated3pid', { sid, client_secret: secret });

  it('shows a confirmation page; Confirm validates and lands on next_link with the sid', async () => {
    const { sid, secret, link } = await requestLink(
      'click@example.org',
      `${appUrl}/welcome?from=email#/home`,
    );
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });

    await page.goto(link.href);
    await expect(page.title()).resolves.toBe('Confirm your email address – localhost');
    expect(await page.locator('h1').textContent()).toBe('Confirm your email address');
    expect((await validation(sid, secret)).json.errcode).toBe('M_SESSION_NOT_VALIDATED');

    await Promise.all([
      page.waitForURL(`${appUrl}/**`),
      page.getByRole('button', { name: 'Confirm my email address' }).click(),
    ]);
    expect(page.url()).toBe(`${appUrl}/welcome?from=email&sid=${sid}#/home`);
    expect(await page.locator('h1').textContent()).toBe('Welcome back');
    expect(appRequests).toContain(`/welcome?from=email&sid=${sid}`);
    expect((await validation(sid, secret)).json).toMatchObject({
      medium: 'email',
      address: 'click@example.org',
    });
    expect(violations).toEqual([]);
    await page.close();
  });

  it('validates nothing when the link is only visited, reloaded or fetched with HEAD', async () => {
    const { sid, secret, link } = await requestLink('scanner@example.org', `${appUrl}/never`);
    const page = await browser.newPage();
    const response = await page.goto(link.href);
    expect(response?.status()).toBe(200);
    await page.reload();
    const head = await page.request.head(link.href);
    expect(head.status()).toBe(200);
    await page.close();

    expect((await validation(sid, secret)).json.errcode).toBe('M_SESSION_NOT_VALIDATED');
    expect(appRequests).not.toContain(`/never?sid=${sid}`);
  });

  it('shows a success page when there is no next_link, and sends no referrer anywhere', async () => {
    const { sid, secret, link } = await requestLink('plain@example.org');
    const page = await browser.newPage();
    await page.goto(link.href);
    const [confirm] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.getByRole('button').click(),
    ]);
    expect(confirm.request().headers().referer).toBeUndefined();
    expect(await page.locator('h1').textContent()).toBe('Email address confirmed');
    expect((await validation(sid, secret)).status).toBe(200);
    await page.close();
  });
});
