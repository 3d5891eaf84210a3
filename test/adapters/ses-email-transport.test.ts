import {
  CreateConfigurationSetCommand,
  SESClient,
  SendEmailCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  SesEmailTransport,
  type SesEmailTransportOptions,
} from '../../functions/adapters/ses/email-transport.js';
import { DeliveryError } from '../../functions/core/errors.js';
import type { ValidationEmail } from '../../functions/core/ports.js';
import { Mailer } from '../../functions/messages/messengers.js';
import { EMULATOR_CLIENT_CONFIG, motoState } from '../helpers/aws.js';
import { testPresentation } from '../helpers/presentation.js';
import { captureQueryRequests } from '../helpers/wire.js';

const FROM = 'Example Matrix <noreply@example.org>';
const email = (to: string): ValidationEmail => ({
  to,
  purpose: 'password_reset',
  link: 'https://matrix.example.org/_matrix/client/v3/validate/email/confirm?sid=abc.def&client_secret=s&token=T0k-en_',
  validForMs: 3_600_000,
});

/** SES as the mailer's transport, as the email function sends. */
const sesMailer = (client: SESClient, options: SesEmailTransportOptions) =>
  new Mailer(new SesEmailTransport(client, options), testPresentation());

const moto = inject('motoEndpoint');

describe.runIf(moto)('SesEmailTransport under the mailer, against moto', () => {
  const client = new SESClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto });
  const wire = captureQueryRequests(client);

  beforeAll(async () => {
    await client.send(new VerifyEmailIdentityCommand({ EmailAddress: 'noreply@example.org' }));
    await client.send(
      new CreateConfigurationSetCommand({ ConfigurationSet: { Name: 'matrix-3pid-events' } }),
    );
  });

  it('sends one email with the link, from the configured address, which SES records', async () => {
    const sender = sesMailer(client, { from: FROM });
    const to = `reset-${Date.now()}@example.com`;
    await sender.sendValidationEmail(email(to));
    const recorded = (await motoState(moto)).ses.Message.filter((message) =>
      message.destinations.ToAddresses.includes(to),
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ source: FROM, subject: '[example.org] Password reset' });
    expect(recorded[0]?.body).toContain(
      'href="https://matrix.example.org/_matrix/client/v3/validate/email/confirm?sid=abc.def&amp;client_secret=s&amp;token=T0k-en_"',
    );
  });

  it('sends a plain-text part and an HTML part, both UTF-8, with the configuration set', async () => {
    const sender = sesMailer(client, { from: FROM, configurationSet: 'matrix-3pid-events' });
    await sender.sendValidationEmail(email('text-part@example.com'));
    const params = wire.last();
    expect(params.get('Action')).toBe('SendEmail');
    expect(params.get('Message.Body.Text.Data')).toContain(email('').link);
    expect(params.get('Message.Body.Text.Charset')).toBe('UTF-8');
    expect(params.get('Message.Body.Html.Charset')).toBe('UTF-8');
    expect(params.get('ConfigurationSetName')).toBe('matrix-3pid-events');
  });

  it('sends to an internationalised domain in punycode, as SES requires', async () => {
    const sender = sesMailer(client, { from: FROM });
    await sender.sendValidationEmail(email('bob@öumlaut.com'));
    expect(wire.last().get('Destination.ToAddresses.member.1')).toBe('bob@xn--umlaut-vxa.com');
  });

  it('reports a From address SES has not verified as a DeliveryError', async () => {
    const sender = sesMailer(client, { from: 'nobody@unverified.example' });
    await expect(sender.sendValidationEmail(email('someone@example.com'))).rejects.toBeInstanceOf(
      DeliveryError,
    );
  });
});

describe('SesEmailTransport failures', () => {
  const failing = (name: string) => {
    const client = new SESClient(EMULATOR_CLIENT_CONFIG);
    mockClient(client)
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error(name), { name }));
    return sesMailer(client, { from: FROM });
  };

  it('treats MessageRejected as permanent: the address cannot receive', async () => {
    await expect(
      failing('MessageRejected').sendValidationEmail(email('a@example.com')),
    ).rejects.toMatchObject({
      name: 'DeliveryError',
      permanent: true,
    });
  });

  it('treats throttling and outages as temporary', async () => {
    await expect(failing('Throttling').sendValidationEmail(email('a@example.com'))).rejects.toMatchObject({
      permanent: false,
    });
  });
});
