/**
 * `npm run bench`: throughput of the local server (the same handlers as Lambda, over dynalite),
 * printed as ratios to the bare HTTP pipeline, because absolute numbers on a shared machine are
 * noise; then, where Debian's nginx is installed, the time the nginx recipe (npm run routes) adds
 * to a request on loopback. Not part of npm test.
 */
import { loadLocalConfig } from '../functions/config.js';
import { startLocalServer } from '../functions/local/server.js';
import { NGINX_AVAILABLE, startNginx } from '../test/helpers/nginx.js';
import { proxyRecipe } from './routes.js';

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

if (NGINX_AVAILABLE) {
  // One request at a time, so the figure is the hop's own time, not queueing.
  const nginx = await startNginx(
    proxyRecipe({ format: 'nginx', upstream: server.url, admin: true, emailImport: false }),
  );
  const lookup =
    '/_matrix/identity/v2/3pid/getValidated3pid?sid=AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA&client_secret=x';
  const median = async (origin: string) => {
    const times: number[] = [];
    for (let i = 0; i < REQUESTS / 4; i++) {
      const started = performance.now();
      await (await fetch(`${origin}${lookup}`)).text();
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
  };
  await median(nginx.url); // warm both paths
  const direct = await median(server.url);
  const proxied = await median(nginx.url);
  console.log(
    `\nthe nginx recipe on loopback, one request at a time: ${direct.toFixed(2)} ms direct, ` +
      `${proxied.toFixed(2)} ms through nginx (median), so ${(proxied - direct).toFixed(2)} ms added`,
  );
  await nginx.close();
}
await server.close();
