import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type Parser,
  presenceOf,
  readSetting,
  requiredProblem,
  SETTING_DOCS,
  SETTING_NAMES,
  SETTINGS,
  type Setting,
  type SettingName,
} from '../functions/settings.js';
import { README, settingsTables, withSettingsTables } from '../scripts/settings-doc.js';

const settings = Object.entries(SETTINGS) as [SettingName, Setting][];
const SMS_COUNTRIES_CHOICE = (() => {
  const presence = SETTINGS.smsAllowedCountries.lambda;
  if (!('choice' in presence)) throw new Error('smsAllowedCountries has no choice');
  return presence.choice;
})();
const parserOf = (name: SettingName) => SETTINGS[name].type as Parser<unknown>;

describe('the settings table', () => {
  it.each(settings)('documents %s in one line', (name, setting) => {
    expect(SETTING_DOCS[name]).toMatch(/^[A-Z`].*\.$/);
    expect(SETTING_DOCS[name]).not.toContain('\n');
    expect(setting.type.expects).not.toMatch(/^must be/);
  });

  it.each(['env', 'context', 'prop'] as const)('gives each setting its own %s name', (kind) => {
    const names = settings.flatMap(([, setting]) => (setting[kind] === undefined ? [] : [setting[kind]]));
    expect(new Set(names).size).toBe(names.length);
  });

  it('names environment variables in upper snake case, context keys and props in camelCase', () => {
    for (const [, setting] of settings) {
      if (setting.env !== undefined) expect(setting.env).toMatch(/^[A-Z][A-Z0-9_]*$/);
      if (setting.context !== undefined) expect(setting.context).toMatch(/^[a-z][A-Za-z0-9]*$/);
      if (setting.prop !== undefined)
        expect(setting.prop).toMatch(/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)?$/);
    }
  });

  it.each(settings)('says where %s applies, and only where it can', (_, setting) => {
    const runtime = setting.lambda !== undefined || setting.local !== undefined;
    // The functions read the environment; settings they do not read come from context or props.
    expect(runtime).toBe(setting.env !== undefined);
    if (setting.context !== undefined || setting.prop !== undefined) {
      expect(setting.deploy ?? setting.lambda).toBeDefined();
    }
    if (setting.goesWith !== undefined) expect(SETTING_NAMES).toContain(setting.goesWith);
  });

  it.each(settings)('has defaults for %s that its own parser reads back', (name) => {
    for (const where of ['lambda', 'local', 'deploy'] as const) {
      const presence = presenceOf(name, where);
      if (presence === undefined || !('default' in presence)) continue;
      const parser = parserOf(name);
      expect(parser.parse(parser.format(presence.default))).toEqual({ value: presence.default });
    }
  });

  it('phrases every problem without a name, so callers can name the setting their way', () => {
    for (const [name, setting] of settings) {
      const parsed = setting.type.parse('\u0000 not a good value of any kind \u0000');
      if (!('problem' in parsed)) continue;
      expect(parsed.problem).toMatch(/^must be /);
      for (const label of [setting.env, setting.context, setting.prop, name]) {
        if (label !== undefined) expect(parsed.problem).not.toContain(label);
      }
    }
  });
});

describe('the parsers', () => {
  it.each<[SettingName, string[], string[]]>([
    ['port', ['0', '8090', '65535'], ['65536', '-1', 'eighty', '80.5', '0x50']],
    ['emailTokenLifetimeS', ['60', '3600', '86400'], ['59', '86401', '1e3']],
    ['smsTokenLifetimeS', ['60', '600', '3600'], ['59', '3601']],
    ['serverName', ['example.org', 'example.org:8448', '[::1]:8448', 'localhost'], ['bad name', 'a/b']],
    [
      'publicBaseUrl',
      ['https://matrix.example.org', 'http://localhost:8090/base/'],
      ['matrix.example.org', 'ftp://example.org', 'https://a.example/?q', 'https://u:p@a.example/'],
    ],
    ['emailFrom', ['noreply@example.org', 'Example <noreply@example.org>'], ['nobody', 'a@b <c@d>']],
    [
      'nextLinkAllowedHosts',
      ['app.example.org', ' A.example, b.example ,'],
      ['https://app.example.org', 'a.example:8080', '.example'],
    ],
    ['tokenHmacSecret', ['x'.repeat(32)], ['x'.repeat(31)]],
    ['tokenHmacSecretArn', ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:x'], ['arn:aws:ssm:x']],
    ['logLevel', ['DEBUG', 'info', ' Warn ', 'SILENT'], ['LOUD', 'TRACE']],
    ['tableName', ['abc', 'Sessions-Table_1.x'], ['ab', 'a table']],
    ['smsSenderId', ['Example', 'Ex-1'], ['12', '123', 'TwelveLetter']],
    ['smsOriginationNumber', ['+15555550100'], ['5555550100', '+0123456']],
    ['sesSourceArn', ['arn:aws:ses:eu-west-1:123456789012:identity/example.org'], ['arn:aws:sns:x']],
    [
      'homeserverOrigin',
      ['https://synapse.example.org', 'http://10.0.0.1:8008/'],
      ['https://synapse.example.org/_matrix', 'synapse.example.org'],
    ],
    ['clientIpSource', ['direct', 'PROXY', ' CloudFront '], ['nginx', 'x-forwarded-for']],
    [
      'trustedProxyCidrs',
      ['10.0.0.0/8', '10.0.0.1', ' 10.0.0.0/8, 2001:db8::/32 ,', '::ffff:10.0.0.0/104', '0.0.0.0/0'],
      [
        '10.0.0.0/33',
        '2001:db8::/129',
        '10.0.0.0/8/8',
        'fe80::/10%eth0',
        'proxy.example',
        '10.0.0.0/-1',
        ',',
      ],
    ],
    ['cloudfrontOriginSecret', ['x'.repeat(32)], ['x'.repeat(31)]],
    [
      'cloudfrontOriginSecretArn',
      ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-AbCdEf'],
      ['arn:aws:ssm:x', 'origin'],
    ],
    ['throttleRateLimit', ['0', '50'], ['lots', '1.5']],
    ['stackName', ['MatrixThreepid', 'Matrix-2'], ['2Matrix', 'Matrix_3pid']],
    [
      'smsAllowedCountries',
      ['*', 'none', 'None', 'GB', 'gb, us', 'GG,JE,IM', 'XK'],
      ['UK', 'ZZ', 'GBR', '*,GB', 'all', ',', 'EU'],
    ],
    [
      'smsAllowedNumberTypes',
      ['MOBILE', 'mobile, fixed_line_or_mobile', 'VOIP,PAGER,UAN,VOICEMAIL'],
      ['CELL', 'MOBILE PAGER', ',', 'none'],
    ],
    [
      'smsMaxPriceUsd',
      ['0.5', '0.00001', '10', '1', '0.07250'],
      ['0', '0.000001', '10.01', '-1', '.5', '1e-2'],
    ],
    [
      'emailDomainAllowlist',
      ['example.org', '*.example.org, Example.COM', '*', 'bücher.example', 'xn--bcher-kva.example', ''],
      ['example.org/x', 'a@example.org', 'example.org:25', '.example.org', 'example..org', 'ex ample.org'],
    ],
  ])('%s accepts %j and refuses %j', (name, good, bad) => {
    const parser = parserOf(name);
    for (const text of good) expect(parser.parse(text), text).toHaveProperty('value');
    for (const text of bad)
      expect(parser.parse(text), text).toEqual({ problem: expect.stringMatching(/^must be /) });
  });

  it('says the range of a number', () => {
    expect(parserOf('emailTokenLifetimeS').parse('10')).toEqual({
      problem: 'must be a whole number from 60 to 86400',
    });
  });

  it('names the bad hosts of a list', () => {
    expect(parserOf('nextLinkAllowedHosts').parse('ok.example, https://bad.example')).toEqual({
      problem: 'must be host names without scheme, port or path (bad: https://bad.example)',
    });
  });

  it('reads URLs as bases ending in a slash, host lists in lower case, levels in upper case', () => {
    expect(parserOf('publicBaseUrl').parse(' https://matrix.example.org/base ')).toEqual({
      value: 'https://matrix.example.org/base/',
    });
    expect(parserOf('nextLinkAllowedHosts').parse('A.example,,b.example')).toEqual({
      value: ['a.example', 'b.example'],
    });
    expect(parserOf('logLevel').parse('debug')).toEqual({ value: 'DEBUG' });
  });

  it('reads CIDRs in lower case, with a prefix, and names the bad ones', () => {
    expect(parserOf('trustedProxyCidrs').parse('10.0.0.0/08, 2001:DB8::1,')).toEqual({
      value: ['10.0.0.0/8', '2001:db8::1/128'],
    });
    expect(parserOf('trustedProxyCidrs').parse('10.0.0.0/8, 10.0.0.300/32')).toEqual({
      problem: 'must be IPv4 or IPv6 CIDRs, like 10.0.0.0/8 (bad: 10.0.0.300/32)',
    });
  });

  it('reads a choice as the table spells it, in any case', () => {
    expect(parserOf('clientIpSource').parse('PROXY')).toEqual({ value: 'proxy' });
  });

  it('reads SMS countries as *, an empty list for none, or upper-case codes without repeats', () => {
    const parser = parserOf('smsAllowedCountries');
    expect(parser.parse(' * ')).toEqual({ value: '*' });
    expect(parser.parse('NONE')).toEqual({ value: [] });
    expect(parser.parse('gb, US,,gb')).toEqual({ value: ['GB', 'US'] });
    expect(parser.format([])).toBe('none');
    expect(parser.parse('UK, GB, zz')).toEqual({
      problem:
        'must be `*` (every country), `none`, or comma-separated ISO 3166-1 alpha-2 codes like GB,US (bad: UK, ZZ)',
    });
  });

  it('reads number types in upper case and names the unknown ones', () => {
    const parser = parserOf('smsAllowedNumberTypes');
    expect(parser.parse('mobile, Voip')).toEqual({ value: ['MOBILE', 'VOIP'] });
    expect(parser.parse('MOBILE,CELL')).toMatchObject({ problem: expect.stringMatching(/\(bad: CELL\)$/) });
  });

  it('reads the SMS price cap as a number of dollars', () => {
    expect(parserOf('smsMaxPriceUsd').parse(' 0.50 ')).toEqual({ value: 0.5 });
    expect(parserOf('smsMaxPriceUsd').format(0.5)).toBe('0.5');
  });

  it('reads email domain globs in lower case and names the bad ones', () => {
    const parser = parserOf('emailDomainDenylist');
    expect(parser.parse('*.Spam.example, Bücher.example')).toEqual({
      value: ['*.spam.example', 'bücher.example'],
    });
    expect(parser.parse('ok.example, bad/glob')).toEqual({
      problem: 'must be domain globs like `example.org` or `*.example.org` (bad: bad/glob)',
    });
  });

  it('keeps a secret exactly as given', () => {
    const secret = ` ${'x'.repeat(32)} `;
    expect(parserOf('tokenHmacSecret').parse(secret)).toEqual({ value: secret });
  });
});

describe('readSetting', () => {
  it('requires a required value, and treats blank as missing', () => {
    expect(readSetting('serverName', undefined, { required: true })).toEqual({
      value: undefined,
      problem: 'is required',
    });
    expect(readSetting('serverName', '  ', { required: true })).toMatchObject({ problem: 'is required' });
  });

  it("says how to choose a required value that has no safe default, in the caller's words", () => {
    const presence = { required: true, choice: SMS_COUNTRIES_CHOICE } as const;
    expect(readSetting('smsAllowedCountries', undefined, presence).problem).toBe(
      'is required: the countries whose phone numbers may be sent SMS codes, like GB,US (only British and US numbers), none (no SMS at all) or * (every country, which invites SMS pumping)',
    );
    expect(requiredProblem(presence, (value) => `X=${value}`)).toMatch(
      /, like X=GB,US \(.*\), X=none \(.*\) or X=\* \(/,
    );
    expect(requiredProblem({ required: true }, (value) => `X=${value}`)).toBe('is required');
  });

  it('falls back to the default when unset, and alongside a problem', () => {
    expect(readSetting('port', undefined, { default: 8090 })).toEqual({ value: 8090 });
    expect(readSetting('port', 'eighty', { default: 8090 })).toEqual({
      value: 8090,
      problem: 'must be a whole number from 0 to 65535',
    });
  });

  it('leaves an optional value undefined when unset', () => {
    expect(readSetting('smsSenderId', '', { optional: true })).toEqual({ value: undefined });
    expect(readSetting('smsSenderId', ' Example ', { optional: true })).toEqual({ value: 'Example' });
  });

  it('applies Lambda’s and the local server’s own defaults', () => {
    expect(presenceOf('logLevel', 'lambda')).toEqual({ default: 'INFO' });
    expect(presenceOf('logLevel', 'local')).toEqual({ default: 'WARN' });
    expect(presenceOf('serverName', 'lambda')).toEqual({ required: true });
    expect(presenceOf('serverName', 'local')).toEqual({ default: 'localhost' });
    expect(presenceOf('serverName', 'deploy')).toEqual({ required: true });
    expect(presenceOf('port', 'lambda')).toBeUndefined();
  });
});

describe('the README', () => {
  it('shows the settings tables as functions/settings.ts declares them', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme, 'README.md is out of date: run `npm run docs`').toBe(withSettingsTables(readme));
  });

  it('lists every environment variable and every context key', () => {
    const tables = settingsTables();
    for (const [, setting] of settings) {
      if (setting.env !== undefined) expect(tables.env).toContain(`| \`${setting.env}\` `);
      if (setting.context !== undefined) expect(tables.context).toContain(`| \`${setting.context}\` `);
    }
  });

  it('notices a table edited by hand', () => {
    const readme = readFileSync(README, 'utf8');
    const edited = readme.replace('| `PORT`   ', '| `PORTS`  ');
    expect(edited).not.toBe(readme);
    expect(withSettingsTables(edited)).toBe(readme);
  });
});
