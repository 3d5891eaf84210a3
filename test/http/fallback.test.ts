import { describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/composition.js';
import { makeFallbackHandler } from '../../functions/handlers/fallback.js';
import { httpEvent, lambdaContext, parseJsonBody } from '../helpers/events.js';

/** The fallback Lambda function: what API Gateway's $default route sends it when no homeserver is proxied. */
describe('the fallback handler', () => {
  const fallback = makeFallbackHandler({ logger: createLogger({ logLevel: 'SILENT' }) });
  const answer = (method: string, path: string) => fallback(httpEvent({ method, path }), lambdaContext());

  it.each([
    ['GET', '/_matrix/client/v3/register/email/requestToken', 'POST, OPTIONS'],
    ['GET', '/_matrix/client/r0/validate/msisdn/submitToken', 'POST, OPTIONS'],
    ['PUT', '/_matrix/client/v3/validate/email/confirm', 'GET, HEAD, POST, OPTIONS'],
    ['POST', '/_matrix/identity/api/v1/3pid/getValidated3pid', 'GET, OPTIONS'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const response = await answer(method, path);
    expect([response.statusCode, parseJsonBody(response).errcode]).toEqual([405, 'M_UNRECOGNIZED']);
    expect(response.headers.Allow).toBe(allow);
    expect(response.headers['Access-Control-Allow-Origin']).toBe('*');
  });

  it('answers an unknown path with 404 and no Allow', async () => {
    const response = await answer('GET', '/_matrix/client/v3/sync');
    expect([response.statusCode, response.headers.Allow]).toEqual([404, undefined]);
  });
});
