/**
 * `npm run bench`: throughput of the local server (the same handlers as Lambda, over dynalite),
 * printed as ratios to the bare HTTP pipeline, because absolute numbers on a shared machine are
 * noise. Not part of npm test.
 */
import { loadLocalConfig } from '../functions/config.js';
import { startLocalServer } from '../functions/local/server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const server = await startLocalServer({ config: loadLocalConfig({ PORT: '0', LOG_LEVEL: 'SILENT' }) });

async function throughput(label: string, request: (i: number) => Promise<Response>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) await (await request(next++)).text();
    }),
  );
  const perSecond = REQUESTS / ((performance.now() - started) / 1000);
  console.log(`${label.padEnd(40)} ${perSecond.toFixed(0).padStart(6)} req/s`);
  return perSecond;
}

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
const baseline = await throughput('404 fallback (the pipeline alone)', () =>
  fetch(`${server.url}/_matrix/client/v3/nothing`),
);
const created = await throughput('requestToken, new session', (i) =>
  post('/_matrix/client/v3/register/email/requestToken', {
    client_secret: `s${i}`,
    email: `u${i}@example.org`,
    send_attempt: 1,
  }),
);
const repeated = await throughput('requestToken, repeated send_attempt', () =>
  post('/_matrix/client/v3/register/email/requestToken', {
    client_secret: 's0',
    email: 'u0@example.org',
    send_attempt: 1,
  }),
);
const lookups = await throughput('getValidated3pid, unknown session', () =>
  fetch(
    `${server.url}/_matrix/identity/v2/3pid/getValidated3pid?sid=AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA&client_secret=x`,
  ),
);
console.log(
  `\nratios to the pipeline alone: new session ${(created / baseline).toFixed(2)}, ` +
    `repeat ${(repeated / baseline).toFixed(2)}, lookup ${(lookups / baseline).toFixed(2)}`,
);
await server.close();
