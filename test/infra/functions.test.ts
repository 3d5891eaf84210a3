import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/http/routes.js';
import { bindingsOf, FUNCTIONS, functionOf } from '../../infra/functions.js';

const ROOT = new URL('../..', import.meta.url);

/** Whether each function may do exactly what its code does is test/lambda/iam.test.ts's question. */
describe('the deployed functions', () => {
  it.each(Object.entries(FUNCTIONS))('%s has an entry file that exports a handler', (_, spec) => {
    const file = new URL(spec.entry, ROOT);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/export const handler = /);
  });

  it('serves every route, requestToken split by medium so each sender has one function', () => {
    const served = new Set(ROUTES.map(functionOf));
    expect([...served, 'fallback'].sort()).toEqual(Object.keys(FUNCTIONS).sort());
    expect(
      functionOf({
        method: 'POST',
        path: '/x',
        handler: 'requestToken',
        auth: 'none',
        api: 'client',
        medium: 'msisdn',
      }),
    ).toBe('requestMsisdnToken');
    const senders = Object.values(FUNCTIONS).flatMap((spec) => bindingsOf(spec, 'sender'));
    expect(senders.map((sender) => sender.sends).sort()).toEqual(['email', 'sms']);
  });
});
