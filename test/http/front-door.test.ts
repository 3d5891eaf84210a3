import { describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/composition.js';
import { jsonErrorResponse } from '../../functions/http/errors.js';
import {
  admitThroughFrontDoor,
  fixedOriginSecrets,
  type OriginSecrets,
} from '../../functions/http/front-door.js';
import { httpPipeline } from '../../functions/http/middleware.js';
import { jsonResponse } from '../../functions/http/responses.js';
import { httpEvent, lambdaContext, parseJsonBody } from '../helpers/events.js';

const SECRET = 'the-origin-secret-cloudfront-sends-0001';
const PATH = '/_matrix/identity/v2/3pid/getValidated3pid';
const withHeader = (value?: string) =>
  httpEvent({ path: PATH, ...(value === undefined ? {} : { headers: { 'x-origin-verify': value } }) });

/** Secrets that learn a new value only when asked to read again, as after a rotation. */
function rotatingSecrets(known: string[], afterRefresh: string[]): OriginSecrets & { refreshes: number } {
  let values = known;
  return {
    refreshes: 0,
    matches: (given) => values.includes(given),
    async refresh() {
      this.refreshes += 1;
      values = afterRefresh;
    },
  };
}

describe('the CloudFront front door check', () => {
  it('admits a request that carries the origin secret', async () => {
    await expect(
      admitThroughFrontDoor(withHeader(SECRET), fixedOriginSecrets(SECRET)),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['without the header', undefined],
    ['with an empty one', ''],
    ['with a wrong value', `${SECRET}x`],
    ['with a prefix of the secret', SECRET.slice(0, 10)],
  ])('refuses a request %s: 403 M_FORBIDDEN, saying nothing of the secret', async (_, value) => {
    await expect(admitThroughFrontDoor(withHeader(value), fixedOriginSecrets(SECRET))).rejects.toMatchObject({
      errcode: 'M_FORBIDDEN',
      status: 403,
      message: 'This API answers only through its front door.',
    });
  });

  it('takes any of the values it knows: the previous one, during a rotation', async () => {
    const secrets = fixedOriginSecrets('the-new-value-of-the-origin-secret-00', SECRET);
    await expect(admitThroughFrontDoor(withHeader(SECRET), secrets)).resolves.toBeUndefined();
  });

  it('reads the values again before refusing one it does not know, and not for a request without one', async () => {
    const secrets = rotatingSecrets(['old-value'], ['new-value', 'old-value']);
    await admitThroughFrontDoor(withHeader('old-value'), secrets);
    await expect(admitThroughFrontDoor(withHeader(), secrets)).rejects.toMatchObject({ status: 403 });
    expect(secrets.refreshes).toBe(0);
    await expect(admitThroughFrontDoor(withHeader('new-value'), secrets)).resolves.toBeUndefined();
    expect(secrets.refreshes).toBe(1);
    await expect(admitThroughFrontDoor(withHeader('forged-value'), secrets)).rejects.toMatchObject({
      status: 403,
    });
  });

  describe('in the pipeline every handler runs in', () => {
    const served: string[] = [];
    const handler = httpPipeline(
      {
        logger: createLogger({ logLevel: 'SILENT' }),
        frontDoor: fixedOriginSecrets(SECRET),
        errors: jsonErrorResponse,
      },
      async (event) => {
        served.push(event.rawPath);
        return jsonResponse(200, { served: true });
      },
    );

    it('refuses before the handler runs, as Matrix JSON with CORS headers', async () => {
      const response = await handler(withHeader(), lambdaContext());
      expect(response.statusCode).toBe(403);
      expect(parseJsonBody(response)).toEqual({
        errcode: 'M_FORBIDDEN',
        error: 'This API answers only through its front door.',
      });
      expect(response.headers).toMatchObject({ 'Access-Control-Allow-Origin': '*' });
      expect(served).toEqual([]);
    });

    it('refuses a preflight that went around CloudFront too', async () => {
      const preflight = await handler(
        httpEvent({ path: PATH, method: 'OPTIONS', headers: {} }),
        lambdaContext(),
      );
      expect(preflight.statusCode).toBe(403);
    });

    it('serves a request that came through CloudFront', async () => {
      const response = await handler(withHeader(SECRET), lambdaContext());
      expect([response.statusCode, parseJsonBody(response)]).toEqual([200, { served: true }]);
      expect(served).toEqual([PATH]);
    });
  });
});
