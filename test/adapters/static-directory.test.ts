import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StaticThreepidDirectory } from '../../functions/adapters/directory/static-directory.js';
import { writeBindingsFile } from '../helpers/bindings.js';

const file = writeBindingsFile;

describe('StaticThreepidDirectory', () => {
  it('finds bindings by canonical address, however the file writes them', async () => {
    const directory = StaticThreepidDirectory.fromFile(
      file(
        JSON.stringify([
          { medium: 'email', address: ' Strauß@Example.com', user_id: '@strauss:example.com' },
          { medium: 'msisdn', address: '+44 7400 123456', user_id: '@phone:example.com' },
        ]),
      ),
    );
    await expect(directory.findUserId({ medium: 'email', address: 'strauss@example.com' })).resolves.toBe(
      '@strauss:example.com',
    );
    await expect(directory.findUserId({ medium: 'msisdn', address: '447400123456' })).resolves.toBe(
      '@phone:example.com',
    );
    await expect(
      directory.findUserId({ medium: 'email', address: 'other@example.com' }),
    ).resolves.toBeUndefined();
  });

  it('binds nothing when empty', async () => {
    await expect(
      new StaticThreepidDirectory().findUserId({ medium: 'email', address: 'a@b.c' }),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['a missing file', '/nonexistent/bindings.json', /cannot read it as JSON/],
    ['invalid JSON', file('{nope'), /cannot read it as JSON/],
    ['an object instead of an array', file('{}'), /expected a JSON array/],
    ['an unknown medium', file('[{"medium":"fax","address":"1","user_id":"@a:b"}]'), /\[0\]: "medium"/],
    [
      'a bad user ID',
      file('[{"medium":"email","address":"a@b.c","user_id":"alice"}]'),
      /\[0\]: needs .* "user_id"/,
    ],
    [
      'a bad address',
      file('[{"medium":"msisdn","address":"abc","user_id":"@a:b"}]'),
      /\[0\]: "address" is not a valid msisdn/,
    ],
  ])('names the problem in %s', (_, path, message) => {
    expect(() => StaticThreepidDirectory.fromFile(path)).toThrow(message);
  });

  it('loads the example the README points to: bob by email and by phone', async () => {
    const directory = StaticThreepidDirectory.fromFile(
      fileURLToPath(new URL('../../examples/bindings.json', import.meta.url)),
    );
    await expect(directory.findUserId({ medium: 'email', address: 'bob@example.org' })).resolves.toBe(
      '@bob:localhost',
    );
    await expect(directory.findUserId({ medium: 'msisdn', address: '447400123456' })).resolves.toBe(
      '@bob:localhost',
    );
  });
});
