/**
 * The flows the bench measures, and the sessions each needs prepared. Preparing is done through
 * the load generator too (it is fast and keep-alive), in batches no larger than the outbox keeps,
 * reading each batch's links and codes from `GET /_local/outbox`.
 */
import { GENEROUS_RATE_LIMITS } from '../../test/helpers/limits.js';
import type { HttpJob, HttpRequestSpec, HttpSource, LoadResult, Timing } from './loadgen.js';
import type { Child } from './rpc.js';

/**
 * The services with real rate limits (issue 7), each its own service child, for the limited
 * flows only; every other flow runs on a service with RATE_LIMITS=off, so that it measures its
 * path and not the limiter. On top of limits that nothing here reaches (every key is still
 * charged), one limit of one request a day: the client's, or the whole service's email budget.
 */
export const LIMITED_SERVICES = {
  /** Every limit charged, none reached: the price of metering a send. */
  charged: GENEROUS_RATE_LIMITS,
  /** The client network's budget (the first key charged) is spent by the first request. */
  clientLimit: JSON.stringify({ ...JSON.parse(GENEROUS_RATE_LIMITS), ip: { hour: 1, day: 1 } }),
  /** The global email budget (the last key charged before sending) is spent by the first email. */
  sendBudget: JSON.stringify({ ...JSON.parse(GENEROUS_RATE_LIMITS), emailGlobal: { hour: 1, day: 1 } }),
} as const;
export type LimitedService = keyof typeof LIMITED_SERVICES;

/**
 * The services a flow can run on besides the main one (limits off, dynalite embedded): one per
 * limited service, and one whose dynalite runs in a process of its own (store.ts), for an extra
 * floor that is not issue 9's: the store no longer shares the service's thread.
 */
export type ServiceVariant = LimitedService | 'separateStore';
export const SERVICE_VARIANTS: readonly ServiceVariant[] = [
  ...(Object.keys(LIMITED_SERVICES) as LimitedService[]),
  'separateStore',
];

/** What the service child of a variant is started with. */
export function variantEnv(variant: ServiceVariant, storeEndpoint: string): Record<string, string> {
  return variant === 'separateStore'
    ? { BENCH_DYNAMODB_ENDPOINT: storeEndpoint }
    : { BENCH_RATE_LIMITS: LIMITED_SERVICES[variant] };
}

export type FlowId =
  | 'newSessionEmail'
  | 'newSessionSms'
  | 'repeatSendAttempt'
  | 'higherSendAttempt'
  | 'wrongCode'
  | 'rightCode'
  | 'linkPost'
  | 'getValidated3pid'
  | 'newSessionEmailSeparateStore'
  | 'limitedSent'
  | 'limitedAtClient'
  | 'limitedAtSendBudget';

export interface Flow {
  readonly id: FlowId;
  readonly label: string;
  /** The statuses the flow answers when it works. */
  readonly expect: readonly number[];
  /**
   * How its requests are had: `fresh`, made up as they go (a new unique address each), new for
   * each measurement; `sized`, each using up what was prepared for it (a session, a phone number),
   * so just as many as asked for are prepared; `reused`, prepared once and sent round and round.
   */
  readonly supply: 'fresh' | 'sized' | 'reused';
  /** The service it runs on, when not the main one (RATE_LIMITS=off, dynalite embedded). */
  readonly on?: ServiceVariant;
  /** A source of at least `requests` requests. */
  prepare(requests: number): Promise<HttpSource>;
}

const V3 = '/_matrix/client/v3';
const JSON_HEADERS = { 'content-type': 'application/json' };
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };
/** What Element sends for registration; it makes the link POST answer 302 to it. */
const NEXT_LINK = 'https://app.element.io/#/register';
/** The outbox keeps the newest 1000 messages; a batch must fit. */
const OUTBOX_BATCH = 900;
/** Phone numbers are 07400000000 + n: every one up to 07439999999 is a valid GB mobile number. */
const FIRST_PHONE = 7_400_000_000;

const post = (path: string, body: unknown): HttpRequestSpec => ({
  method: 'POST',
  path,
  headers: JSON_HEADERS,
  body: JSON.stringify(body),
});

interface Prepared {
  readonly sid: string;
  readonly clientSecret: string;
  /** The email address, or the national phone number. */
  readonly address: string;
  /** The emailed link's token, or the SMS code. */
  readonly token: string;
  /** The requestToken request that made it. */
  readonly request: HttpRequestSpec;
}

/** Makes the flows, on one service; `serial` numbers keep every session of a run apart. */
export function makeFlows(options: {
  readonly service: { readonly url: string };
  readonly loadgen: Child<unknown>;
  readonly concurrency: number;
  readonly runId: string;
  /** Sessions the repeat and lookup flows send to round and round, so that no one item is hot. */
  readonly reused: number;
}): readonly Flow[] {
  const { service, loadgen, concurrency, runId, reused } = options;
  let serial = 0;
  const takeSerials = (count: number) => {
    const first = serial;
    serial += count;
    return first;
  };

  const prepareRun = async (requests: readonly HttpRequestSpec[], expect: readonly number[]) => {
    const job: HttpJob = {
      target: 'http',
      url: service.url,
      source: { kind: 'list', requests },
      expect,
      collect: true,
    };
    const timing: Timing = { concurrency, warmupMs: 0 };
    const result = await loadgen.call<LoadResult>('run', { job, timing });
    if (result.unexpected > 0) {
      throw new Error(
        `preparing sessions failed: ${result.unexpected} answers like ${result.unexpectedSample}`,
      );
    }
    return (result.bodies ?? []).map((body) => JSON.parse(body ?? '{}') as Record<string, unknown>);
  };

  const outbox = async () => {
    const response = await fetch(new URL('/_local/outbox', service.url));
    const { messages } = (await response.json()) as { messages: { to: string; text: string }[] };
    return new Map(messages.map((message) => [message.to, message.text]));
  };

  const emailRequest = (clientSecret: string, email: string, sendAttempt: number) =>
    post(`${V3}/register/email/requestToken`, {
      client_secret: clientSecret,
      email,
      send_attempt: sendAttempt,
      next_link: NEXT_LINK,
    });
  const smsRequest = (clientSecret: string, phone: string) =>
    post(`${V3}/register/msisdn/requestToken`, {
      client_secret: clientSecret,
      country: 'GB',
      phone_number: phone,
      send_attempt: 1,
    });

  /** `count` new email sessions, with their links' tokens when `withTokens`. */
  async function prepareEmail(count: number, withTokens = true): Promise<Prepared[]> {
    const prepared: Prepared[] = [];
    while (prepared.length < count) {
      const batch = Math.min(withTokens ? OUTBOX_BATCH : count, count - prepared.length);
      const first = takeSerials(batch);
      const sessions = Array.from({ length: batch }, (_, n) => {
        const id = `${runId}-${first + n}`;
        return { clientSecret: `cs-${id}`, address: `user-${id}@example.org` };
      });
      const requests = sessions.map((s) => emailRequest(s.clientSecret, s.address, 1));
      const answers = await prepareRun(requests, [200]);
      const sent = withTokens ? await outbox() : new Map<string, string>();
      sessions.forEach((session, n) => {
        const link = withTokens ? /https?:\/\/\S+/.exec(sent.get(session.address) ?? '')?.[0] : undefined;
        if (withTokens && !link) throw new Error(`no email was sent to ${session.address}`);
        prepared.push({
          ...session,
          sid: String(answers[n]?.sid),
          token: link ? (new URL(link).searchParams.get('token') ?? '') : '',
          request: requests[n] as HttpRequestSpec,
        });
      });
    }
    return prepared;
  }

  /** `count` new SMS sessions, with their codes. */
  async function prepareSms(count: number): Promise<Prepared[]> {
    const prepared: Prepared[] = [];
    while (prepared.length < count) {
      const batch = Math.min(OUTBOX_BATCH, count - prepared.length);
      const first = takeSerials(batch);
      const sessions = Array.from({ length: batch }, (_, n) => ({
        clientSecret: `cs-${runId}-${first + n}`,
        address: `0${FIRST_PHONE + first + n}`,
      }));
      const requests = sessions.map((s) => smsRequest(s.clientSecret, s.address));
      const answers = await prepareRun(requests, [200]);
      const sent = await outbox();
      sessions.forEach((session, n) => {
        const code = /\b\d{6}\b/.exec(sent.get(`+44${session.address.slice(1)}`) ?? '')?.[0];
        if (!code) throw new Error(`no SMS was sent to ${session.address}`);
        prepared.push({
          ...session,
          sid: String(answers[n]?.sid),
          token: code,
          request: requests[n] as HttpRequestSpec,
        });
      });
    }
    return prepared;
  }

  const submit = (medium: 'email' | 'msisdn', session: Prepared, token: string) =>
    post(`${V3}/validate/${medium}/submitToken`, {
      sid: session.sid,
      client_secret: session.clientSecret,
      token,
    });
  const wrongCode = (code: string, attempt: number) =>
    String((Number(code) + 1 + attempt) % 1_000_000).padStart(6, '0');

  const flows: Flow[] = [
    {
      id: 'newSessionEmail',
      label: 'new session (email)',
      expect: [200],
      supply: 'fresh',
      prepare: async () => ({
        kind: 'template',
        prefix: `${runId}-t${takeSerials(1)}-`,
        request: emailRequest('cs-{i}', 'new-{i}@example.org', 1),
      }),
    },
    {
      id: 'newSessionSms',
      label: 'new session (SMS)',
      expect: [200],
      supply: 'sized',
      prepare: async (requests) => {
        // Each request needs its own phone number, so the numbers are handed out as a list.
        const first = takeSerials(requests);
        return {
          kind: 'list',
          requests: Array.from({ length: requests }, (_, n) =>
            smsRequest(`cs-${runId}-${first + n}`, `0${FIRST_PHONE + first + n}`),
          ),
        };
      },
    },
    {
      id: 'repeatSendAttempt',
      label: 'repeated send_attempt',
      expect: [200],
      supply: 'reused',
      prepare: async () => ({
        kind: 'cycle',
        requests: (await prepareEmail(reused, false)).map((session) => session.request),
      }),
    },
    {
      id: 'higherSendAttempt',
      label: 'higher send_attempt',
      expect: [200],
      supply: 'sized',
      prepare: async (requests) => ({
        kind: 'list',
        requests: (await prepareEmail(requests, false)).map((s) =>
          emailRequest(s.clientSecret, s.address, 2),
        ),
      }),
    },
    {
      id: 'wrongCode',
      label: 'wrong code',
      expect: [400],
      supply: 'sized',
      prepare: async (requests) => {
        const sessions = await prepareSms(Math.ceil(requests / 4));
        // Four wrong codes per session (a fifth would end it), one round of sessions after another.
        return {
          kind: 'list',
          requests: [0, 1, 2, 3].flatMap((attempt) =>
            sessions.map((s) => submit('msisdn', s, wrongCode(s.token, attempt))),
          ),
        };
      },
    },
    {
      id: 'rightCode',
      label: 'right code (submitToken)',
      expect: [200],
      supply: 'sized',
      prepare: async (requests) => ({
        kind: 'list',
        requests: (await prepareSms(requests)).map((s) => submit('msisdn', s, s.token)),
      }),
    },
    {
      id: 'linkPost',
      label: 'link POST',
      expect: [302],
      supply: 'sized',
      prepare: async (requests) => ({
        kind: 'list',
        requests: (await prepareEmail(requests)).map((s) => ({
          method: 'POST',
          path: `${V3}/validate/email/confirm`,
          headers: FORM_HEADERS,
          body: new URLSearchParams({ sid: s.sid, client_secret: s.clientSecret, token: s.token }).toString(),
        })),
      }),
    },
    {
      id: 'getValidated3pid',
      label: 'getValidated3pid (validated)',
      expect: [200],
      supply: 'reused',
      prepare: async () => {
        const sessions = await prepareEmail(reused);
        await prepareRun(
          sessions.map((s) => submit('email', s, s.token)),
          [200],
        );
        return {
          kind: 'cycle',
          requests: sessions.map((s) => ({
            method: 'GET',
            path: `/_matrix/identity/v2/3pid/getValidated3pid?${new URLSearchParams({ sid: s.sid, client_secret: s.clientSecret })}`,
          })),
        };
      },
    },
    {
      id: 'newSessionEmailSeparateStore',
      label: 'new session (email), dynalite in its own process',
      expect: [200],
      supply: 'fresh',
      on: 'separateStore',
      prepare: async () => ({
        kind: 'template',
        prefix: `${runId}-t${takeSerials(1)}-`,
        request: emailRequest('cs-{i}', 'separate-{i}@example.org', 1),
      }),
    },
    // A new email session each, as the new-session flow sends, on the services with real limits.
    ...(
      [
        ['limitedSent', 'new session (email), every limit charged', 'charged', 200],
        ['limitedAtClient', 'requestToken refused at the client limit', 'clientLimit', 429],
        ['limitedAtSendBudget', 'requestToken refused at the send budget', 'sendBudget', 429],
      ] as const
    ).map(
      ([id, label, on, status]): Flow => ({
        id,
        label,
        expect: [status],
        supply: 'fresh',
        on,
        prepare: async () => ({
          kind: 'template',
          prefix: `${runId}-t${takeSerials(1)}-`,
          request: emailRequest('cs-{i}', 'limited-{i}@example.org', 1),
        }),
      }),
    ),
  ];
  return flows;
}
