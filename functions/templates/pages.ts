import { createHash } from 'node:crypto';
import type { Purpose } from '../core/model.js';
import { html, SafeHtml } from './html.js';
import { purposeWording } from './wording.js';

// The only style on the pages. The CSP allows exactly this stylesheet by hash: no scripts at all.
const STYLESHEET = `
body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1d22; background: #f4f6fa; margin: 0; }
main { max-width: 32em; margin: 10vh auto; padding: 2em; background: #fff; border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.1); }
h1 { font-size: 1.4em; margin-top: 0; }
button { font: inherit; padding: .6em 1.4em; color: #fff; background: #0dbd8b; border: 0; border-radius: 6px; cursor: pointer; }
.muted { color: #5c6470; font-size: .9em; }
`;
// Computed on first use, so a function that shows no page does not carry the page templates.
let styleHash: string | undefined;
const styleHashOf = () =>
  (styleHash ??= `'sha256-${createHash('sha256').update(STYLESHEET).digest('base64')}'`);

/**
 * A CSP that allows no script, no external resource and no framing. Form submissions may go to
 * this origin, and the redirect that follows a confirmation may go to the next_link hosts (browsers
 * apply form-action to redirects too): only the allowed hosts when a list is configured.
 */
export function contentSecurityPolicy(nextLinkAllowedHosts: readonly string[]): string {
  const redirectTargets =
    nextLinkAllowedHosts.length === 0
      ? ['https:', 'http:']
      : nextLinkAllowedHosts.flatMap((host) => [`https://${host}`, `http://${host}`]);
  return [
    "default-src 'none'",
    `style-src ${styleHashOf()}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action 'self' ${redirectTargets.join(' ')}`,
  ].join('; ');
}

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${new SafeHtml(STYLESHEET)}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`.value;
}

export interface ConfirmPageFields {
  readonly sid: string;
  /** Only on links sent before links stopped carrying it. */
  readonly clientSecret: string | undefined;
  readonly token: string;
}

/**
 * The page an emailed link opens. It validates nothing: the hidden fields are posted back only
 * when a person presses the button, so mail scanners that fetch links cannot confirm anything.
 */
export function confirmPage(
  purpose: Purpose,
  serverName: string,
  formAction: string,
  fields: ConfirmPageFields,
): string {
  const wording = purposeWording(purpose, serverName);
  return page(
    'Confirm your email address',
    html`<h1>Confirm your email address</h1>
<p>${wording.confirmQuestion}</p>
<form method="post" action="${formAction}">
<input type="hidden" name="sid" value="${fields.sid}">
${fields.clientSecret === undefined ? '' : html`<input type="hidden" name="client_secret" value="${fields.clientSecret}">`}
<input type="hidden" name="token" value="${fields.token}">
<button type="submit">${wording.confirmButton}</button>
</form>
<p class="muted">If you did not ask for this, close this page. Nothing will change.</p>`,
  );
}

export function confirmedPage(purpose: Purpose, serverName: string, alreadyConfirmed: boolean): string {
  const wording = purposeWording(purpose, serverName);
  const heading = alreadyConfirmed ? 'This email address is already confirmed' : 'Email address confirmed';
  return page(heading, html`<h1>${heading}</h1>\n<p>${wording.nextStep} You can close this page.</p>`);
}

export function failurePage(heading: string, explanation: string): string {
  return page(heading, html`<h1>${heading}</h1>\n<p>${explanation}</p>`);
}
