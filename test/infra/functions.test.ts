import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/http/routes.js';
import { LAMBDA_ENTRIES } from '../../infra/lambda-entries.js';

const ROOT = new URL('../..', import.meta.url);

describe('LAMBDA_ENTRIES', () => {
  it('names an entry file for every handler the routes use, plus the fallback', () => {
    const handlers = new Set(ROUTES.map((route) => route.handler));
    expect(Object.keys(LAMBDA_ENTRIES).sort()).toEqual([...handlers, 'fallback'].sort());
  });

  it.each(Object.entries(LAMBDA_ENTRIES))('%s points at a file that exports a handler', (_, path) => {
    const file = new URL(path, ROOT);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/export const handler = /);
  });
});
