/**
 * The time the nginx recipe (`npm run routes -- --format nginx`) adds to a request on loopback:
 * the same lookup, one request at a time so the figure is the hop and not queueing, straight to
 * the service and through a real nginx (Debian's, as the reverse-proxy test runs it) in front of
 * it, interleaved in blocks so that drift in the machine's load falls on both alike.
 *
 * No goal: the README's front-door comparison quotes it as the only latency it can measure here.
 */
import { existsSync } from 'node:fs';
import type { Spread } from './stats.js';
import { spread } from './stats.js';

export interface NginxHopResult {
  /** Requests timed on each path. */
  readonly requests: number;
  readonly directMs: Spread;
  readonly proxiedMs: Spread;
  /** proxied − direct, per block. */
  readonly addedMs: Spread;
}

const BLOCKS = 5;
const NGINX_PATH = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** Answers null where nginx is not installed (the bench then has no row for it). */
export async function measureNginxHop(
  serviceUrl: string,
  requests: number,
  log: (line: string) => void,
): Promise<NginxHopResult | null> {
  if (!existsSync(NGINX_PATH)) {
    log(`nginx hop: skipped, no nginx at ${NGINX_PATH} (apt-get install nginx-light, or NGINX_PATH)`);
    return null;
  }
  // Imported only here: the helper insists on nginx when CI=true, and the bench runs without it.
  const { startNginx } = await import('../../test/helpers/nginx.js');
  const { proxyRecipe } = await import('../routes.js');
  const nginx = await startNginx(
    proxyRecipe({ format: 'nginx', upstream: serviceUrl, admin: true, emailImport: false }),
  );
  // A session that does not exist: the service answers from its own checks and one GetItem, and
  // the lookup is what a homeserver sends most.
  const lookup =
    '/_matrix/identity/v2/3pid/getValidated3pid?sid=AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA&client_secret=x';
  const medianOf = async (origin: string, count: number) => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await (await fetch(`${origin}${lookup}`)).arrayBuffer();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? Number.NaN;
  };
  try {
    const perBlock = Math.max(10, Math.floor(requests / BLOCKS));
    await medianOf(nginx.url, perBlock); // warms nginx's upstream connections and both paths
    await medianOf(serviceUrl, perBlock);
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let block = 0; block < BLOCKS; block++) {
      direct.push(await medianOf(serviceUrl, perBlock));
      proxied.push(await medianOf(nginx.url, perBlock));
    }
    const added = proxied.map((ms, n) => ms - (direct[n] ?? Number.NaN));
    const result = {
      requests: perBlock * BLOCKS,
      directMs: spread(direct),
      proxiedMs: spread(proxied),
      addedMs: spread(added),
    };
    log(
      `nginx hop: ${result.directMs.median.toFixed(2)} ms direct, ${result.proxiedMs.median.toFixed(2)} ms through nginx ` +
        `(medians of ${perBlock} in each of ${BLOCKS} blocks), so ${result.addedMs.median.toFixed(2)} ms added`,
    );
    return result;
  } finally {
    await nginx.close();
  }
}
