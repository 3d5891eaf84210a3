import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SWITCHES_KEY } from '../../functions/adapters/dynamodb/sending-switches.js';
import { ensureSessionTable, PARTITION_KEY } from '../../functions/adapters/dynamodb/table.js';
import type { LambdaHttpHandler } from '../../functions/http/middleware.js';
import { FUNCTIONS, type FunctionName } from '../../infra/functions.js';
import { MatrixThreepidValidation } from '../../infra/three-pid-validation.js';
import { type RunningDynalite, startDynalite } from '../helpers/aws.js';
import { type AwsRecorder, type RecordedRequest, startAwsRecorder } from '../helpers/aws-recorder.js';
import { testApp } from '../helpers/cdk.js';
import { type EventInput, httpEvent, lambdaContext, parseJsonBody } from '../helpers/events.js';
import { GENEROUS_RATE_LIMITS } from '../helpers/limits.js';
import { type SynapseStandIn, startSynapseStandIn } from '../helpers/synapse-stand-in.js';

/**
 * Least privilege, proved rather than listed: every Lambda entry, loaded as the CDK bundles it,
 * is driven through every flow it serves against one recording endpoint (DynamoDB passed on to
 * dynalite; SES, SNS and Secrets Manager answered there), and the IAM actions its requests needed
 * must be exactly the actions its role is granted in the synthesized template. A grant the code
 * never uses fails as surely as a call that is not granted. Table actions are compared with the
 * prefix of the keys they touch (`dynamodb:GetItem session#*`), against the `dynamodb:LeadingKeys`
 * each grant is limited to.
 *
 * The functions run as deployed in front of Synapse with its admin token and its module (a
 * stand-in, which is not AWS and is not recorded), so the password reset is served, requestToken
 * asks Synapse who an address belongs to, and email sessions are copied into Synapse; and behind
 * the CloudFront front door, so each reads CloudFront's origin secret and every request carries
 * it, as CloudFront sends it. The fallback, which exists only without a homeserver, is granted as
 * there.
 *
 * The flows run in order and record; the last tests compare. Run the file whole.
 */
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const ENV = {
  SERVER_NAME: 'example.org',
  PUBLIC_BASEURL: 'https://matrix.example.org/',
  EMAIL_FROM: 'Example <noreply@example.org>',
  TABLE_NAME: 'iam-recorded',
  SMS_ALLOWED_COUNTRIES: 'GB',
  // The key comes from Secrets Manager, as deployed, so that call is recorded too.
  TOKEN_HMAC_SECRET: '',
  TOKEN_HMAC_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:matrix-3pid-hmac-AbCdEf',
  LOG_LEVEL: 'SILENT',
  RATE_LIMITS: GENEROUS_RATE_LIMITS,
  CLIENT_IP_SOURCE: 'cloudfront',
  CLOUDFRONT_ORIGIN_SECRET_ARN:
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:matrix-3pid-origin-AbCdEf',
  // As deployed: every email goes out through the construct's configuration set.
  SES_CONFIGURATION_SET: 'matrix-3pid-feedback',
  POWERTOOLS_METRICS_NAMESPACE: 'Matrix3pid/Iam',
};
const UNKNOWN_SID = 'AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA';
/** What the recorder answers for every secret: the HMAC key, the admin token and the origin secret alike. */
const SECRET_STRING = 'k'.repeat(64);
const ADMIN_TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:synapse-admin-AbCdEf';
const MODULE_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:synapse-module-AbCdEf';

describe('each function is granted exactly the AWS actions its code sends', () => {
  let dynalite: RunningDynalite;
  let recorder: AwsRecorder;
  let synapse: SynapseStandIn;
  const handlers = new Map<FunctionName, LambdaHttpHandler>();
  const sent = Object.fromEntries(NAMES.map((name) => [name, new Set<string>()])) as Record<
    FunctionName,
    Set<string>
  >;
  /** What each function sent while its first container started. */
  const coldStarts = new Map<FunctionName, string[]>();
  const creditTo = (name: FunctionName) => {
    for (const request of recorder.take()) sent[name].add(permissionOf(request));
  };
  const load = async (name: FunctionName) =>
    (
      (await import(/* @vite-ignore */ `../../${FUNCTIONS[name].entry}`)) as {
        handler: LambdaHttpHandler;
      }
    ).handler;

  /**
   * Runs `flow` against a container of `name` started afresh with `env` over ENV, as a
   * configuration change or a new container would; the first container serves again afterwards.
   */
  async function inFreshContainer(name: FunctionName, env: Partial<typeof ENV>, flow: () => Promise<void>) {
    const first = handlers.get(name);
    try {
      for (const [variable, value] of Object.entries(env)) vi.stubEnv(variable, value);
      vi.resetModules();
      handlers.set(name, await load(name));
      creditTo(name);
      await flow();
    } finally {
      for (const variable of Object.keys(env)) vi.stubEnv(variable, ENV[variable as keyof typeof ENV]);
      if (first) handlers.set(name, first);
    }
  }
  /** RATE_LIMITS that refuse the second message to one address within an hour, and no sooner. */
  const ONE_PER_ADDRESS = JSON.stringify({
    ...JSON.parse(GENEROUS_RATE_LIMITS),
    address: { hour: 1, day: 1 },
  });
  /** RATE_LIMITS that refuse the second request from one client within an hour. */
  const ONE_PER_CLIENT = JSON.stringify({ ...JSON.parse(GENEROUS_RATE_LIMITS), ip: { hour: 1, day: 1 } });
  const switchOff = (media: { sms?: 'off'; email?: 'off' }) =>
    dynalite.client.send(
      new PutItemCommand({
        TableName: ENV.TABLE_NAME,
        Item: {
          [PARTITION_KEY]: { S: SWITCHES_KEY },
          ...Object.fromEntries(Object.entries(media).map(([medium, state]) => [medium, { S: state }])),
        },
      }),
    );
  const switchOn = () =>
    dynalite.client.send(
      new DeleteItemCommand({ TableName: ENV.TABLE_NAME, Key: { [PARTITION_KEY]: { S: SWITCHES_KEY } } }),
    );

  /** Invokes a function; every request that reaches AWS meanwhile is put down to it. */
  async function call(name: FunctionName, input: EventInput) {
    expect(recorder.take(), 'no request is left over from before').toEqual([]);
    const handler = handlers.get(name);
    if (!handler) throw new Error(`${name} was not loaded`);
    // As CloudFront sends it: its origin secret, and the address it saw the client at.
    const headers = {
      'x-origin-verify': SECRET_STRING,
      'cloudfront-viewer-address': `${input.sourceIp ?? '192.0.2.1'}:443`,
      ...input.headers,
    };
    const response = await handler(httpEvent({ ...input, headers }), lambdaContext(name));
    creditTo(name);
    return { status: response.statusCode, body: response.body ?? '', json: () => parseJsonBody(response) };
  }

  /** One client_secret per address, so each address has its own session. */
  const secretFor = (address: string) => `secret-${address.replace(/[^0-9a-zA-Z]/g, '')}`;
  const requestEmail = (email: string, sendAttempt: number, sourceIp?: string) =>
    call('requestEmailToken', {
      path: '/_matrix/client/v3/register/email/requestToken',
      body: { client_secret: secretFor(email), email, send_attempt: sendAttempt },
      ...(sourceIp ? { sourceIp } : {}),
    });
  const requestSms = (phoneNumber: string, sendAttempt: number, sourceIp?: string) =>
    call('requestMsisdnToken', {
      path: '/_matrix/client/v3/register/msisdn/requestToken',
      body: {
        client_secret: secretFor(phoneNumber),
        country: 'GB',
        phone_number: phoneNumber,
        send_attempt: sendAttempt,
      },
      ...(sourceIp ? { sourceIp } : {}),
    });
  const errcodeOf = async (response: Promise<{ json: () => Record<string, unknown> }>) =>
    (await response).json().errcode;
  const submit = (sid: string, phoneNumber: string, token: string) =>
    call('submitToken', {
      path: '/_matrix/client/v3/validate/msisdn/submitToken',
      body: { sid, client_secret: secretFor(phoneNumber), token },
    });
  const codeFor = (phoneNumber: string) =>
    recorder.lastMessageTo(`+44${phoneNumber.slice(1)}`).match(/\b\d{6}\b/)?.[0] ?? '';
  const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

  beforeAll(async () => {
    dynalite = await startDynalite();
    await ensureSessionTable(dynalite.client, ENV.TABLE_NAME);
    recorder = await startAwsRecorder({ dynamodb: dynalite.endpoint, secretString: SECRET_STRING });
    synapse = await startSynapseStandIn({ adminToken: SECRET_STRING, moduleSecret: SECRET_STRING });
    const endpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: recorder.endpoint,
      AWS_ENDPOINT_URL_SES: recorder.endpoint,
      AWS_ENDPOINT_URL_SNS: recorder.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: recorder.endpoint,
    };
    const homeserver = {
      HOMESERVER_URL: synapse.url,
      SYNAPSE_ADMIN_TOKEN_SECRET_ARN: ADMIN_TOKEN_ARN,
      SYNAPSE_MODULE_SECRET_ARN: MODULE_SECRET_ARN,
    };
    for (const [name, value] of Object.entries({ ...ENV, ...endpoints, ...homeserver }))
      vi.stubEnv(name, value);
    for (const name of NAMES) {
      vi.resetModules(); // each entry gets a cold start of its own, as in its own container
      handlers.set(name, await load(name));
      const started = recorder.take().map(permissionOf);
      coldStarts.set(name, [...started].sort());
      for (const permission of started) sent[name].add(permission);
    }
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await synapse?.close();
    await recorder?.close();
    await dynalite?.close();
  });

  describe('requestEmailToken', () => {
    it('starts a session and emails a link', async () => {
      const response = await requestEmail('alice@example.org', 1);
      expect(response.status).toBe(200);
      expect(recorder.lastMessageTo('alice@example.org')).toContain('/validate/email/confirm?');
    });

    it('answers a repeated send_attempt with the same sid', async () => {
      const first = (await requestEmail('alice@example.org', 1)).json();
      expect((await requestEmail('alice@example.org', 1)).json()).toEqual(first);
    });

    it('emails a new link for a higher send_attempt', async () => {
      const before = recorder.lastMessageTo('alice@example.org');
      expect((await requestEmail('alice@example.org', 2)).status).toBe(200);
      expect(recorder.lastMessageTo('alice@example.org')).not.toBe(before);
    });

    it('removes the session it started when the email is refused', async () => {
      recorder.failDeliveriesTo('refused@example.org');
      expect((await requestEmail('refused@example.org', 1)).json().errcode).toBe('M_EMAIL_SEND_ERROR');
    });

    it('restores the session as it was when a later email is refused', async () => {
      expect((await requestEmail('later-refused@example.org', 1)).status).toBe(200);
      recorder.failDeliveriesTo('later-refused@example.org');
      expect((await requestEmail('later-refused@example.org', 2)).json().errcode).toBe('M_EMAIL_SEND_ERROR');
    });

    it('refuses bad input', async () => {
      expect((await requestEmail('not an address', 1)).json().errcode).toBe('M_INVALID_PARAM');
    });

    it('refuses a client over its limit, reading the refused counter', async () => {
      await inFreshContainer('requestEmailToken', { RATE_LIMITS: ONE_PER_CLIENT }, async () => {
        await requestEmail('limited-client@example.org', 1, '198.51.100.10');
        expect(await errcodeOf(requestEmail('limited-client@example.org', 2, '198.51.100.10'))).toBe(
          'M_LIMIT_EXCEEDED',
        );
      });
    });

    it('refuses a second email to an address over its limit, and restores the session', async () => {
      await inFreshContainer('requestEmailToken', { RATE_LIMITS: ONE_PER_ADDRESS }, async () => {
        expect((await requestEmail('limited@example.org', 1)).status).toBe(200);
        expect(await errcodeOf(requestEmail('limited@example.org', 2))).toBe('M_LIMIT_EXCEEDED');
      });
    });

    it('sends nothing while email is switched off', async () => {
      await switchOff({ email: 'off' });
      try {
        await inFreshContainer('requestEmailToken', {}, async () => {
          expect(await errcodeOf(requestEmail('switched-off@example.org', 1))).toBe('M_LIMIT_EXCEEDED');
        });
      } finally {
        await switchOn();
      }
    });
  });

  describe('requestMsisdnToken', () => {
    it('starts a session and texts a code', async () => {
      expect((await requestSms('07400100001', 1)).status).toBe(200);
      expect(codeFor('07400100001')).toMatch(/^\d{6}$/);
    });

    it('answers a repeated send_attempt with the same sid', async () => {
      const first = (await requestSms('07400100001', 1)).json();
      expect((await requestSms('07400100001', 1)).json()).toEqual(first);
    });

    it('texts a new code for a higher send_attempt', async () => {
      expect((await requestSms('07400100001', 2)).status).toBe(200);
    });

    it('removes the session it started when the text is refused', async () => {
      recorder.failDeliveriesTo('+447400100002');
      expect((await requestSms('07400100002', 1)).json().errcode).toBe('M_SEND_ERROR');
    });

    it('restores the session as it was when a later text is refused', async () => {
      expect((await requestSms('07400100003', 1)).status).toBe(200);
      recorder.failDeliveriesTo('+447400100003');
      expect((await requestSms('07400100003', 2)).json().errcode).toBe('M_SEND_ERROR');
    });

    it('refuses bad input', async () => {
      expect((await requestSms('not a number', 1)).json().errcode).toBe('M_INVALID_PARAM');
    });

    it('refuses a client over its limit, reading the refused counter', async () => {
      await inFreshContainer('requestMsisdnToken', { RATE_LIMITS: ONE_PER_CLIENT }, async () => {
        await requestSms('07400100004', 1, '198.51.100.20');
        expect(await errcodeOf(requestSms('07400100004', 2, '198.51.100.20'))).toBe('M_LIMIT_EXCEEDED');
      });
    });

    it('refuses a second text to a number over its limit, and restores the session', async () => {
      await inFreshContainer('requestMsisdnToken', { RATE_LIMITS: ONE_PER_ADDRESS }, async () => {
        expect((await requestSms('07400100005', 1)).status).toBe(200);
        expect(await errcodeOf(requestSms('07400100005', 2))).toBe('M_LIMIT_EXCEEDED');
      });
    });

    it('sends nothing while SMS is switched off', async () => {
      await switchOff({ sms: 'off' });
      try {
        await inFreshContainer('requestMsisdnToken', {}, async () => {
          expect(await errcodeOf(requestSms('07400100006', 1))).toBe('M_LIMIT_EXCEEDED');
        });
      } finally {
        await switchOn();
      }
    });
  });

  describe('submitToken', () => {
    it('validates a session with the right code', async () => {
      const { sid } = (await requestSms('07400200001', 1)).json() as { sid: string };
      expect((await submit(sid, '07400200001', codeFor('07400200001'))).json()).toEqual({ success: true });
    });

    it('refuses a wrong code', async () => {
      const { sid } = (await requestSms('07400200002', 1)).json() as { sid: string };
      const wrong = wrongCode(codeFor('07400200002'));
      expect((await submit(sid, '07400200002', wrong)).json().errcode).toBe('M_TOKEN_INCORRECT');
    });

    it('refuses even the right code after five wrong ones', async () => {
      const { sid } = (await requestSms('07400200003', 1)).json() as { sid: string };
      const code = codeFor('07400200003');
      for (let attempt = 0; attempt < 5; attempt++) {
        expect((await submit(sid, '07400200003', wrongCode(code))).json().errcode).toBe('M_TOKEN_INCORRECT');
      }
      expect((await submit(sid, '07400200003', code)).json().errcode).toBe('M_SESSION_EXPIRED');
    });

    it('answers success again for a session already validated', async () => {
      const { sid } = (await requestSms('07400200004', 1)).json() as { sid: string };
      const code = codeFor('07400200004');
      await submit(sid, '07400200004', code);
      expect((await submit(sid, '07400200004', code)).json()).toEqual({ success: true });
    });

    it('knows no session by an unknown sid', async () => {
      expect((await submit(UNKNOWN_SID, '07400200005', '123456')).json().errcode).toBe('M_NO_VALID_SESSION');
    });
  });

  describe('emailLink', () => {
    let link: URL;
    const page = (method: string) =>
      call('emailLink', { method, path: link.pathname, query: Object.fromEntries(link.searchParams) });
    const confirm = () =>
      call('emailLink', { path: link.pathname, form: Object.fromEntries(link.searchParams) });
    beforeAll(async () => {
      await requestEmail('link@example.org', 1);
      link = new URL(recorder.lastMessageTo('link@example.org').match(/https:\/\/\S+/)?.[0] ?? '');
    });

    it('shows the confirmation page on GET', async () => {
      const response = await page('GET');
      expect([response.status, response.body]).toEqual([200, expect.stringContaining('<form')]);
    });

    it('shows it on HEAD, without a body', async () => {
      expect(await page('HEAD')).toMatchObject({ status: 200, body: '' });
    });

    it('validates when the page is confirmed', async () => {
      expect((await confirm()).body).toContain('Email address confirmed');
    });

    it('says so again when it is confirmed twice', async () => {
      expect((await confirm()).body).toContain('already');
    });
  });

  describe('getValidated3pid', () => {
    const ask = (sid: string, phoneNumber: string) =>
      call('getValidated3pid', {
        path: '/_matrix/identity/api/v1/3pid/getValidated3pid',
        query: { sid, client_secret: secretFor(phoneNumber) },
      });

    it('answers for a validated session', async () => {
      const { sid } = (await requestSms('07400300001', 1)).json() as { sid: string };
      await submit(sid, '07400300001', codeFor('07400300001'));
      expect((await ask(sid, '07400300001')).json()).toMatchObject({
        medium: 'msisdn',
        address: '447400300001',
      });
    });

    it('says when a session is not validated yet', async () => {
      const { sid } = (await requestSms('07400300002', 1)).json() as { sid: string };
      expect((await ask(sid, '07400300002')).json().errcode).toBe('M_SESSION_NOT_VALIDATED');
    });

    it('knows no session by an unknown sid', async () => {
      expect((await ask(UNKNOWN_SID, '07400300003')).json().errcode).toBe('M_NO_VALID_SESSION');
    });
  });

  describe('accountPassword', () => {
    const secret = 'reset-secret';
    let sid: string;
    const resetWith = (newPassword: string, headers: Record<string, string> = {}) =>
      call('accountPassword', {
        path: '/_matrix/client/v3/account/password',
        headers,
        body: {
          new_password: newPassword,
          auth: { type: 'm.login.email.identity', threepid_creds: { sid, client_secret: secret } },
        },
      });
    beforeAll(async () => {
      synapse.bind('email', 'reset@example.org', synapse.addUser('reset', 'the first password'));
      const requested = await call('requestEmailToken', {
        path: '/_matrix/client/v3/account/password/email/requestToken',
        body: { client_secret: secret, email: 'reset@example.org', send_attempt: 1 },
      });
      ({ sid } = requested.json() as { sid: string });
    });

    it('challenges a request without auth', async () => {
      const response = await call('accountPassword', {
        path: '/_matrix/client/v3/account/password',
        body: {},
      });
      expect(response.status).toBe(401);
    });

    it('says the session is not validated yet, reading it', async () => {
      expect((await resetWith('the second password')).json().errcode).toBe('M_UNAUTHORIZED');
    });

    it('puts the session back when Synapse cannot reset, so it works on a retry', async () => {
      const link = new URL(recorder.lastMessageTo('reset@example.org').match(/https:\/\/\S+/)?.[0] ?? '');
      await call('emailLink', { path: link.pathname, form: Object.fromEntries(link.searchParams) });
      synapse.setAdminApi('failing-resets');
      try {
        expect((await resetWith('the second password')).status).toBe(503);
      } finally {
        synapse.setAdminApi('up');
      }
    });

    it('resets the password through the admin API, using the session up', async () => {
      expect((await resetWith('the second password')).status).toBe(200);
      expect(synapse.resets.at(-1)).toMatchObject({ newPassword: 'the second password' });
    });

    it('refuses the session the second time', async () => {
      expect((await resetWith('the third password')).json().errcode).toBe('M_UNAUTHORIZED');
    });

    it('hands a logged-in change to Synapse, touching nothing in AWS', async () => {
      const token = synapse.login('@reset:example.org');
      const response = await call('accountPassword', {
        path: '/_matrix/client/v3/account/password',
        headers: { authorization: `Bearer ${token}` },
        body: {
          new_password: 'changed',
          auth: { type: 'm.login.password', password: 'the second password' },
        },
      });
      expect(response.status).toBe(200);
    });
  });

  describe('fallback', () => {
    it('answers every other path', async () => {
      expect((await call('fallback', { path: '/_matrix/client/v3/nothing' })).status).toBe(404);
    });
  });

  describe('granted, in the synthesized template, exactly what it sent, on the keys it sent it', () => {
    let granted: Record<FunctionName, string[]>;
    beforeAll(() => {
      granted = grantedPermissions();
    });

    it.each(NAMES)('%s', (name) => {
      expect(granted[name], `${name}: + granted but never sent, - sent but not granted`).toEqual(
        [...sent[name]].sort(),
      );
    });

    it('covers the cold start: its secrets (the HMAC key, the admin token, the origin secret), and the priming read of a session key', () => {
      for (const name of NAMES) {
        const hasTable = FUNCTIONS[name].bindings.some((binding) => binding.kind === 'table');
        const secrets = FUNCTIONS[name].bindings.filter((binding) => binding.kind === 'secret').length;
        expect(coldStarts.get(name), name).toEqual(
          hasTable
            ? ['dynamodb:GetItem session#*', ...Array(secrets).fill('secretsmanager:GetSecretValue')]
            : [],
        );
      }
    });
  });
});

/** A request as the permission it needs: the action, and for a table item its key prefix. */
function permissionOf(request: RecordedRequest): string {
  return request.keyPrefix === undefined ? request.action : `${request.action} ${request.keyPrefix}*`;
}

interface PolicyDocument {
  readonly Statement: readonly {
    Effect: string;
    Action: string | string[];
    Resource: unknown;
    Condition?: Record<string, Record<string, unknown>>;
  }[];
}
type Resources = Record<
  string,
  {
    Type: string;
    Properties: {
      Roles?: unknown;
      PolicyDocument?: PolicyDocument;
      Policies?: { PolicyDocument: PolicyDocument }[];
      ManagedPolicyArns?: unknown;
    };
  }
>;

/**
 * What each function's role is allowed, from the template the construct synthesizes: every
 * Allow statement of the role's inline policies and of the policies attached to it, except its
 * writes to its own log group (Lambda's, not the code's). An action limited to table keys by
 * `dynamodb:LeadingKeys` is listed once per key pattern it may touch (`dynamodb:GetItem rl#*`).
 */
function grantedPermissions(): Record<FunctionName, string[]> {
  const deployments = [true, false].map((withSynapse) => {
    const stack = new Stack(testApp(), 'Granted');
    const props = {
      serverName: 'example.org',
      publicBaseUrl: 'https://matrix.example.org/',
      emailFrom: 'Example <noreply@example.org>',
      smsAllowedCountries: ['GB', 'US'],
    };
    const homeserver = {
      origin: 'https://synapse.internal.example.org',
      adminTokenSecret: Secret.fromSecretCompleteArn(stack, 'AdminToken', ADMIN_TOKEN_ARN),
      moduleSecret: Secret.fromSecretCompleteArn(stack, 'ModuleSecret', MODULE_SECRET_ARN),
    };
    const construct = new MatrixThreepidValidation(stack, 'Validation', {
      ...props,
      frontDoor: 'cloudfront',
      ...(withSynapse ? { homeserver } : {}),
    });
    return { stack, construct, resources: Template.fromStack(stack).toJSON().Resources as Resources };
  });

  return Object.fromEntries(
    NAMES.map((name) => {
      // In front of Synapse, as the functions ran.
      const deployment = deployments.find((candidate) => candidate.construct.functions[name] !== undefined);
      if (!deployment) throw new Error(`no deployment has a ${name} function`);
      const { stack, construct, resources } = deployment;
      const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);
      const fn = construct.functions[name];
      if (!fn?.role) throw new Error(`the template has no ${name} function`);
      const roleRef = JSON.stringify({ Ref: idOf(fn.role.node.defaultChild) });
      const role = resources[idOf(fn.role.node.defaultChild)]?.Properties;
      expect(role?.ManagedPolicyArns, `${name} has no managed policy`).toBeUndefined();
      const ownLogGroup = JSON.stringify({ 'Fn::GetAtt': [idOf(fn.logGroup.node.defaultChild), 'Arn'] });
      const documents = [
        ...(role?.Policies ?? []).map((policy) => policy.PolicyDocument),
        ...Object.values(resources)
          .filter((resource) => resource.Type === 'AWS::IAM::Policy')
          .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleRef))
          .flatMap((policy) => policy.Properties.PolicyDocument ?? []),
      ];
      const permissions = documents
        .flatMap((document) => document.Statement)
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) => {
          const actions = [statement.Action].flat();
          const ownLogging =
            actions.every((action) => action.startsWith('logs:')) &&
            JSON.stringify(statement.Resource) === ownLogGroup;
          if (ownLogging) return [];
          const keys = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
          if (keys === undefined) return actions;
          return actions.flatMap((action) => [keys].flat().map((pattern) => `${action} ${String(pattern)}`));
        });
      return [name, [...new Set(permissions)].sort()];
    }),
  ) as Record<FunctionName, string[]>;
}
