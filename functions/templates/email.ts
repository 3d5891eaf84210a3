import type { Notice, ValidationEmail } from '../core/ports.js';
import { html } from './html.js';
import { describeDuration, purposeWording } from './wording.js';

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The validation email, as plain text and HTML. Shared by the SES adapter and the local outbox. */
export function renderValidationEmail(email: ValidationEmail, serverName: string): RenderedEmail {
  const wording = purposeWording(email.purpose, serverName);
  const expiry = `The link works for ${describeDuration(email.validForMs)}.`;
  const ignore = 'If you did not ask for this, ignore this email. Nothing will change.';
  const text = [
    'Hello,',
    '',
    wording.whyEmail,
    'To confirm that it was you, open this link:',
    '',
    email.link,
    '',
    `${expiry} ${ignore}`,
    '',
  ].join('\n');
  const body = html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${wording.emailSubject}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1b1d22; max-width: 36em; margin: 0 auto; padding: 1em;">
<p>Hello,</p>
<p>${wording.whyEmail} To confirm that it was you, open this link:</p>
<p><a href="${email.link}" style="display: inline-block; padding: 0.6em 1.2em; background: #0dbd8b; color: #ffffff; text-decoration: none; border-radius: 6px;">Confirm my email address</a></p>
<p style="font-size: 0.9em; color: #5c6470;">Or copy this address into your browser:<br><span style="word-break: break-all;">${email.link}</span></p>
<p>${expiry} ${ignore}</p>
</body>
</html>
`;
  return { subject: wording.emailSubject, text, html: body.value };
}

/**
 * What a decoy session emails instead of a token (uniform responses): that the address already
 * has an account, so the person can reset its password instead; or that no account uses it. It
 * carries no link of ours, so it is useless to whoever triggered it.
 */
export function renderNoticeEmail(notice: Notice, serverName: string): RenderedEmail {
  const inUse = notice.reason === 'address-in-use';
  const subject = inUse
    ? `[${serverName}] Email already in use`
    : `[${serverName}] No account with this email`;
  const why = inUse
    ? `Someone, probably you, tried to use this email address on ${serverName}, but it already belongs to an account there. If it is yours and you have lost its password, reset the password from your Matrix app instead.`
    : `Someone, probably you, asked to reset the password of an account on ${serverName} with this email address, but no account there uses it. You can create one from your Matrix app.`;
  const ignore = 'If you did not ask for this, ignore this email. Nothing will change.';
  const text = ['Hello,', '', why, '', ignore, ''].join('\n');
  const body = html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${subject}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1b1d22; max-width: 36em; margin: 0 auto; padding: 1em;">
<p>Hello,</p>
<p>${why}</p>
<p>${ignore}</p>
</body>
</html>
`;
  return { subject, text, html: body.value };
}
