/**
 * Every setting of the service, declared once: the environment variable the functions read, the
 * `cdk deploy -c` key and the construct prop that feed it, what a good value looks like, its
 * defaults on Lambda, locally and at deploy time, and one line of documentation.
 *
 * Everything else is derived from this table: the environment reader (config.ts), the CDK context
 * parser and the construct's function environment (infra/), and the README's configuration tables
 * (`npm run docs`). Problems are phrased without a name (`must be …`), so each caller can name the
 * setting in its own vocabulary: `PUBLIC_BASEURL` locally and on Lambda, `-c publicBaseUrl` on the
 * cdk command line, `publicBaseUrl` as a construct prop.
 *
 * Bundled into every Lambda function: no AWS SDK, no CDK, no libphonenumber metadata.
 */
import { isIP } from 'node:net';

import { parseRateLimitOverrides, type RateLimitOverrides } from './core/rate-limits.js';
import { DEFAULT_SMS_NUMBER_TYPES, NUMBER_TYPES, type NumberType, SMS_REGIONS } from './core/sms-policy.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The decoys that may tell the address's owner something, by medium and reason. */
export const DECOY_NOTICE_KINDS = [
  'email-in-use',
  'email-no-account',
  'msisdn-in-use',
  'msisdn-no-account',
] as const;
export type DecoyNoticeKind = (typeof DECOY_NOTICE_KINDS)[number];

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
export const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'];

/**
 * What clients reach the homeserver's domain through (infra/): API Gateway's HTTP API alone, its
 * `$default` route proxying everything else to the homeserver; a CloudFront distribution that sends
 * the service's paths to the API and everything else straight to the homeserver; or the operator's
 * own reverse proxy, which sends the API only the service's paths (`npm run routes`).
 */
export type FrontDoorKind = 'api-gateway' | 'cloudfront' | 'reverse-proxy';
export const FRONT_DOORS: readonly FrontDoorKind[] = ['api-gateway', 'cloudfront', 'reverse-proxy'];

/** What is in front of the API, which decides where a client's IP is read (http/client-ip.ts). */
export type ClientIpSourceKind = 'direct' | 'proxy' | 'cloudfront';
export const CLIENT_IP_SOURCES: readonly ClientIpSourceKind[] = ['direct', 'proxy', 'cloudfront'];

export type Parsed<T> = { readonly value: T } | { readonly problem: string };

/** What a setting's value looks like: how to read it from text, and how to write it back. */
export interface Parser<T> {
  /** A good value, as a noun phrase: `a whole number from 60 to 86400`. */
  readonly expects: string;
  /** The value in `text` (never blank), or what is wrong with it: `must be …`. */
  parse(text: string): Parsed<T>;
  /** `value` as text that `parse` reads back. */
  format(value: T): string;
}

/**
 * Whether a setting may be left out where it applies, and if so whether it then has a default.
 * What leaving out an optional one means is the README's (SETTING_UNSET), not the functions'.
 */
export type Presence =
  | { readonly required: true; readonly choice?: Choice }
  | { readonly default: unknown }
  | { readonly optional: true };

/** May be left out, with no default: see SETTING_UNSET for what that means. */
const OPTIONAL = { optional: true } as const;

/**
 * For a required setting that has no safe default, what the operator is choosing and a few typical
 * values, so that leaving it out is answered with how to choose rather than only `is required`.
 */
export interface Choice {
  /** What the value decides, as a phrase: `the countries whose numbers may be sent SMS codes`. */
  readonly what: string;
  /** Values as they are written on the command line or in the environment, each with its effect. */
  readonly examples: readonly { readonly value: string; readonly means: string }[];
}

export interface Setting {
  /** The environment variable the functions (and `npm start`) read. */
  readonly env?: string;
  /** The key of `cdk deploy -c <key>=…`. */
  readonly context?: string;
  /** The construct prop, as a path (`throttle.rateLimit`). */
  readonly prop?: string;
  /** The prop's type when it is not the value's own: converted in infra/. */
  readonly propType?: 'Duration' | 'ICertificate' | 'ISecret' | 'Directory';
  readonly type: Parser<unknown>;
  /** Read by the Lambda functions. */
  readonly lambda?: Presence;
  /** Read by `npm start`. */
  readonly local?: Presence;
  /** Given at deploy time (context or prop); when absent, `lambda` applies. */
  readonly deploy?: Presence;
  /** Another setting that must be given with this one, or not at all. */
  readonly goesWith?: string;
  /** Another setting without which this one means nothing (the admin API needs a homeserver). */
  readonly needs?: string;
  /** Another setting's value without which this one means nothing (a web ACL needs CloudFront). */
  readonly onlyWith?: { readonly setting: string; readonly value: string };
  /** A value allowed locally but refused on Lambda and at deploy (`RATE_LIMITS=off`). */
  readonly refusedOnLambda?: string;
}

// ---------------------------------------------------------------------------------------------
// Parsers. Each returns a problem phrase without the setting's name. They are marked free of side
// effects so that a bundle drops the groups of the table its function does not read.

const ok = <T>(value: T): Parsed<T> => ({ value });
const must = (expects: string): Parsed<never> => ({ problem: `must be ${expects}` });

/** Any text, trimmed; `expects` only documents it. */
/* @__NO_SIDE_EFFECTS__ */
function text(expects: string): Parser<string> {
  return { expects, parse: (raw) => ok(raw.trim()), format: String };
}

/** Text, trimmed, that matches `pattern`. */
/* @__NO_SIDE_EFFECTS__ */
function matching(pattern: RegExp, expects: string): Parser<string> {
  return {
    expects,
    parse: (raw) => (pattern.test(raw.trim()) ? ok(raw.trim()) : must(expects)),
    format: String,
  };
}

/** Digits only, within `min` and `max`. */
/* @__NO_SIDE_EFFECTS__ */
function wholeNumber(min: number, max?: number): Parser<number> {
  const expects = max === undefined ? 'a whole number' : `a whole number from ${min} to ${max}`;
  return {
    expects,
    parse(raw) {
      const trimmed = raw.trim();
      const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      const inRange = Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max);
      return inRange ? ok(value) : must(expects);
    },
    format: String,
  };
}

/** An absolute http(s) URL without query, fragment or credentials, read as ending in `/`. */
/* @__NO_SIDE_EFFECTS__ */
function baseUrl(): Parser<string> {
  const expects = 'an absolute http(s) URL without query, fragment or credentials';
  return {
    expects,
    parse(raw) {
      const trimmed = raw.trim();
      const url = URL.canParse(trimmed) ? new URL(trimmed) : undefined;
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username) {
        return must(expects);
      }
      return ok(url.href.endsWith('/') ? url.href : `${url.href}/`);
    },
    format: String,
  };
}

/** Comma-separated host names, lower-cased; blanks between commas are ignored. */
/* @__NO_SIDE_EFFECTS__ */
function hostList(): Parser<readonly string[]> {
  const expects = 'host names without scheme, port or path';
  return {
    expects: `comma-separated ${expects}`,
    parse(raw) {
      const hosts = raw
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter((host) => host !== '');
      const bad = hosts.filter(
        (host) => !/^[a-z0-9.-]+$/.test(host) || host.startsWith('.') || host.endsWith('.'),
      );
      return bad.length > 0 ? { problem: `must be ${expects} (bad: ${bad.join(', ')})` } : ok(hosts);
    },
    format: (hosts) => hosts.join(','),
  };
}

/** A key, taken as is (not trimmed), of at least `length` characters. */
/* @__NO_SIDE_EFFECTS__ */
function secretKey(length: number): Parser<string> {
  const expects = `at least ${length} characters`;
  return { expects, parse: (raw) => (raw.length >= length ? ok(raw) : must(expects)), format: String };
}

/** `off`, or JSON overrides of the default rate limits (core/rate-limits.ts). */
/* @__NO_SIDE_EFFECTS__ */
function rateLimits(): Parser<RateLimitOverrides | 'off'> {
  return {
    expects: '`off`, or a JSON object of overrides of the defaults',
    parse(raw) {
      const trimmed = raw.trim();
      if (trimmed === 'off') return ok('off');
      const parsed = parseRateLimitOverrides(trimmed);
      return 'problem' in parsed ? { problem: parsed.problem } : ok(parsed.value);
    },
    format: (value) => (value === 'off' ? 'off' : JSON.stringify(value)),
  };
}

/** `true` or `false`. */
/* @__NO_SIDE_EFFECTS__ */
function flag(): Parser<boolean> {
  return {
    expects: '`true` or `false`',
    parse: (raw) => {
      const value = raw.trim().toLowerCase();
      return value === 'true' ? ok(true) : value === 'false' ? ok(false) : must('`true` or `false`');
    },
    format: String,
  };
}

/** A comma-separated subset of `values`; empty means none. */
/* @__NO_SIDE_EFFECTS__ */
function subsetOf<T extends string>(values: readonly T[]): Parser<readonly T[]> {
  const expects = `comma-separated, from ${values.join(', ')} (or \`none\`)`;
  return {
    expects,
    parse(raw) {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '' && item !== 'none');
      const bad = items.filter((item) => !values.includes(item as T));
      return bad.length > 0 ? { problem: `must be ${expects} (bad: ${bad.join(', ')})` } : ok(items as T[]);
    },
    format: (items) => (items.length === 0 ? 'none' : items.join(',')),
  };
}

/** One of `values`, in any case, read as `values` spell it. */
/* @__NO_SIDE_EFFECTS__ */
function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  const expects = `one of ${values.join(', ')}`;
  return {
    expects,
    parse(raw) {
      const value = values.find((known) => known.toUpperCase() === raw.trim().toUpperCase());
      return value === undefined ? must(expects) : ok(value);
    },
    format: String,
  };
}

/**
 * Comma-separated IPv4 and IPv6 networks in CIDR notation, lower-cased; a bare address is one
 * host (`/32`, `/128`). Blanks between commas are ignored, but at least one network is needed.
 */
/* @__NO_SIDE_EFFECTS__ */
function cidrList(): Parser<readonly string[]> {
  const expects = 'IPv4 or IPv6 CIDRs, like 10.0.0.0/8';
  return {
    expects: `comma-separated ${expects}`,
    parse(raw) {
      const given = raw
        .split(',')
        .map((cidr) => cidr.trim().toLowerCase())
        .filter((cidr) => cidr !== '');
      const cidrs = given.map((cidr) => {
        const [address = '', prefix, ...rest] = cidr.split('/');
        const family = isIP(address);
        const bits = family === 4 ? 32 : 128;
        if (family === 0 || rest.length > 0 || address.includes('%')) return undefined;
        if (prefix === undefined) return `${address}/${bits}`;
        return /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits
          ? `${address}/${Number(prefix)}`
          : undefined;
      });
      const bad = given.filter((_, index) => cidrs[index] === undefined);
      if (bad.length > 0) return { problem: `must be ${expects} (bad: ${bad.join(', ')})` };
      return given.length === 0 ? must(`comma-separated ${expects}`) : ok(cidrs as string[]);
    },
    format: (cidrs) => cidrs.join(','),
  };
}

/** Comma-separated items, trimmed and upper-cased, without blanks or repeats. */
const upperList = (raw: string): string[] => [
  ...new Set(
    raw
      .split(',')
      .map((item) => item.trim().toUpperCase())
      .filter((item) => item !== ''),
  ),
];

/**
 * `*` for every country, `none` for no country, or ISO 3166-1 alpha-2 codes that libphonenumber
 * knows (GB, not UK): read as `'*'` or a list, empty for `none`.
 */
/* @__NO_SIDE_EFFECTS__ */
function countryList(): Parser<'*' | readonly string[]> {
  const expects = '`*` (every country), `none`, or comma-separated ISO 3166-1 alpha-2 codes like GB,US';
  return {
    expects,
    parse(raw) {
      const trimmed = raw.trim();
      if (trimmed === '*') return ok('*');
      if (trimmed.toLowerCase() === 'none') return ok([]);
      const codes = upperList(trimmed);
      const bad = codes.filter((code) => !SMS_REGIONS.has(code));
      if (codes.length === 0) return must(expects);
      return bad.length > 0 ? { problem: `must be ${expects} (bad: ${bad.join(', ')})` } : ok(codes);
    },
    format: (countries) => (countries === '*' ? '*' : countries.length === 0 ? 'none' : countries.join(',')),
  };
}

/** Comma-separated number types as libphonenumber names them, in any case; at least one. */
/* @__NO_SIDE_EFFECTS__ */
function numberTypeList(): Parser<readonly NumberType[]> {
  const expects = `comma-separated number types: ${NUMBER_TYPES.join(', ')}`;
  return {
    expects,
    parse(raw) {
      const types = upperList(raw);
      const bad = types.filter((type) => !(NUMBER_TYPES as readonly string[]).includes(type));
      if (types.length === 0) return must(expects);
      return bad.length > 0
        ? { problem: `must be ${expects} (bad: ${bad.join(', ')})` }
        : ok(types as NumberType[]);
    },
    format: (types) => types.join(','),
  };
}

/** An amount of US dollars with at most 5 decimals, more than 0 and at most `max`. */
/* @__NO_SIDE_EFFECTS__ */
function dollars(max: number): Parser<number> {
  const expects = `US dollars with up to 5 decimals, more than 0 and at most ${max}`;
  return {
    expects,
    parse(raw) {
      const trimmed = raw.trim();
      const value = /^\d{1,9}(\.\d{1,5})?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      return value > 0 && value <= max ? ok(value) : must(expects);
    },
    format: String,
  };
}

/**
 * Reserved concurrency of the SMS function: a whole number from 1 to `max`, or `none` for no
 * reservation. Not 0: a function with none reserved is throttled on every call, which clients see
 * as a bare 500 rather than a 429, and without a line in its log.
 */
/* @__NO_SIDE_EFFECTS__ */
function reservedConcurrency(max: number): Parser<number | 'none'> {
  const expects = `a whole number from 1 to ${max}, or \`none\``;
  return {
    expects,
    parse(raw) {
      const trimmed = raw.trim();
      if (trimmed.toLowerCase() === 'none') return ok('none');
      if (/^0+$/.test(trimmed)) {
        return {
          problem:
            'must not be 0: every SMS request would then fail with a 500, not a 429; to stop SMS, turn it off with the `cfg#switches` item (see "Protecting your SMS bill") or allow no SMS country',
        };
      }
      const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      return value >= 1 && value <= max ? ok(value) : must(expects);
    },
    format: String,
  };
}

/** One email address, as SNS subscribes it. */
/* @__NO_SIDE_EFFECTS__ */
function emailAddress(): Parser<string> {
  return matching(/^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/, 'an email address');
}

/**
 * Comma-separated domain globs, lower-cased: letters (any script), digits, hyphens and dots, with
 * `*` for any run of characters (dots included), like `example.org` or `*.example.org`.
 */
/* @__NO_SIDE_EFFECTS__ */
function domainGlobList(): Parser<readonly string[]> {
  const expects = 'domain globs like `example.org` or `*.example.org`';
  return {
    expects: `comma-separated ${expects}`,
    parse(raw) {
      const globs = raw
        .split(',')
        .map((glob) => glob.trim().toLowerCase())
        .filter((glob) => glob !== '');
      const bad = globs.filter((glob) => !/^[\p{L}\p{M}\p{N}*-]+(\.[\p{L}\p{M}\p{N}*-]+)*$/u.test(glob));
      return bad.length > 0 ? { problem: `must be ${expects} (bad: ${bad.join(', ')})` } : ok(globs);
    },
    format: (globs) => globs.join(','),
  };
}

// ---------------------------------------------------------------------------------------------
// The table, in groups by who reads them. Its order is the order of the README's tables.

/** Read by `npm start` alone. */
export const LOCAL_SETTINGS = {
  port: {
    env: 'PORT',
    type: wholeNumber(0, 65_535),
    local: { default: 8090 },
  },
  host: {
    env: 'HOST',
    type: text('an address or host name'),
    local: { default: '127.0.0.1' },
  },
  dataDir: {
    env: 'LOCAL_DATA_DIR',
    type: text('a directory path'),
    local: OPTIONAL,
  },
  dynamodbEndpoint: {
    env: 'DYNAMODB_ENDPOINT',
    type: baseUrl(),
    local: OPTIONAL,
  },
} as const satisfies Record<string, Setting>;

/**
 * Read by every function that has a table: who the service is, how long tokens live, its table and
 * its key, and what is in front of it (where a client's IP is read; CloudFront's origin secret,
 * without which every function refuses a request). submitToken, the emailed link and
 * getValidated3pid read these alone.
 */
export const SERVICE_SETTINGS = {
  serverName: {
    env: 'SERVER_NAME',
    context: 'serverName',
    prop: 'serverName',
    type: matching(
      /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
      'a host name with an optional port, like example.org',
    ),
    lambda: { required: true },
    local: { default: 'localhost' },
  },
  publicBaseUrl: {
    env: 'PUBLIC_BASEURL',
    context: 'publicBaseUrl',
    prop: 'publicBaseUrl',
    type: baseUrl(),
    lambda: { required: true },
    local: OPTIONAL,
  },
  homeserverOrigin: {
    env: 'HOMESERVER_URL',
    context: 'homeserverOrigin',
    prop: 'homeserver.origin',
    type: matching(/^https?:\/\/[^/?#]+\/?$/, 'an http(s) origin without path, query or fragment'),
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  synapseModuleUrl: {
    env: 'SYNAPSE_MODULE_URL',
    context: 'synapseModuleUrl',
    prop: 'homeserver.moduleUrl',
    type: baseUrl(),
    needs: 'homeserverOrigin',
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  synapseModuleSecret: {
    env: 'SYNAPSE_MODULE_SECRET',
    type: secretKey(32),
    lambda: OPTIONAL,
    local: OPTIONAL,
  },
  synapseModuleSecretArn: {
    env: 'SYNAPSE_MODULE_SECRET_ARN',
    context: 'synapseModuleSecretArn',
    prop: 'homeserver.moduleSecret',
    propType: 'ISecret',
    needs: 'homeserverOrigin',
    type: matching(/^arn:aws[a-z-]*:secretsmanager:/, 'a Secrets Manager secret ARN'),
    lambda: OPTIONAL,
    deploy: OPTIONAL,
  },
  nextLinkAllowedHosts: {
    env: 'NEXT_LINK_ALLOWED_HOSTS',
    context: 'nextLinkAllowedHosts',
    prop: 'nextLinkAllowedHosts',
    type: hostList(),
    lambda: { default: [] },
    local: { default: [] },
  },
  emailTokenLifetimeS: {
    env: 'EMAIL_TOKEN_LIFETIME_S',
    context: 'emailTokenLifetimeSeconds',
    prop: 'emailTokenLifetime',
    propType: 'Duration',
    type: wholeNumber(60, 86_400),
    lambda: { default: 3600 },
    local: { default: 3600 },
  },
  smsTokenLifetimeS: {
    env: 'SMS_TOKEN_LIFETIME_S',
    context: 'smsTokenLifetimeSeconds',
    prop: 'smsTokenLifetime',
    propType: 'Duration',
    type: wholeNumber(60, 3600),
    lambda: { default: 600 },
    local: { default: 600 },
  },
  tokenHmacSecret: {
    env: 'TOKEN_HMAC_SECRET',
    type: secretKey(32),
    lambda: OPTIONAL,
    local: OPTIONAL,
  },
  tokenHmacSecretArn: {
    env: 'TOKEN_HMAC_SECRET_ARN',
    context: 'tokenHmacSecretArn',
    prop: 'tokenHmacSecret',
    propType: 'ISecret',
    type: matching(/^arn:aws[a-z-]*:secretsmanager:/, 'a Secrets Manager secret ARN'),
    lambda: OPTIONAL,
    deploy: OPTIONAL,
  },
  defaultLocale: {
    env: 'DEFAULT_LOCALE',
    context: 'defaultLocale',
    prop: 'defaultLocale',
    type: matching(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a locale with a catalog, like en, de, fr or es'),
    lambda: { default: 'en' },
    local: { default: 'en' },
  },
  brandName: {
    env: 'BRAND_NAME',
    context: 'brandName',
    prop: 'brandName',
    type: matching(/^[^<>\r\n]{1,60}$/, 'up to 60 characters, without < > or line breaks'),
    lambda: OPTIONAL,
    local: OPTIONAL,
  },
  supportContact: {
    env: 'SUPPORT_CONTACT',
    context: 'supportContact',
    prop: 'supportContact',
    type: matching(
      /^(https?:\/\/[^\s<>"]+|[^\s@<>,:/"]+@[^\s@<>,/"]+\.[^\s@<>,/"]+)$/i,
      'an email address or an http(s) URL',
    ),
    lambda: OPTIONAL,
    local: OPTIONAL,
  },
  templatesDir: {
    env: 'TEMPLATES_DIR',
    context: 'templatesDir',
    prop: 'templatesDir',
    propType: 'Directory',
    type: text('a directory path'),
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  tableName: {
    env: 'TABLE_NAME',
    type: matching(/^[A-Za-z0-9_.-]{3,255}$/, '3-255 of [A-Za-z0-9_.-]'),
    lambda: { required: true },
  },
  logLevel: {
    env: 'LOG_LEVEL',
    prop: 'logLevel',
    type: oneOf(LOG_LEVELS),
    lambda: { default: 'INFO' },
    local: { default: 'WARN' },
  },
  metricNamespace: {
    env: 'POWERTOOLS_METRICS_NAMESPACE',
    type: matching(/^[A-Za-z0-9.\-_/#:]{1,255}$/, 'up to 255 of [A-Za-z0-9.-_/#:]'),
    lambda: { default: 'Matrix3pid' },
  },
  clientIpSource: {
    env: 'CLIENT_IP_SOURCE',
    context: 'clientIpSource',
    prop: 'clientIpSource',
    type: oneOf(CLIENT_IP_SOURCES),
    lambda: { default: 'direct' },
    local: { default: 'direct' },
  },
  trustedProxyCidrs: {
    env: 'TRUSTED_PROXY_CIDRS',
    context: 'trustedProxyCidrs',
    prop: 'trustedProxyCidrs',
    type: cidrList(),
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  cloudfrontOriginSecret: {
    env: 'CLOUDFRONT_ORIGIN_SECRET',
    type: secretKey(32),
    lambda: OPTIONAL,
    local: OPTIONAL,
  },
  cloudfrontOriginSecretArn: {
    env: 'CLOUDFRONT_ORIGIN_SECRET_ARN',
    context: 'cloudFrontOriginSecretArn',
    prop: 'cloudFront.originSecret',
    propType: 'ISecret',
    type: matching(/^arn:aws[a-z-]*:secretsmanager:/, 'a Secrets Manager secret ARN'),
    lambda: OPTIONAL,
    deploy: OPTIONAL,
    onlyWith: { setting: 'frontDoor', value: 'cloudfront' },
  },
} as const satisfies Record<string, Setting>;

/**
 * Read by the functions that send messages or ask the homeserver (requestToken, the password reset)
 * and locally: senders, policies, limits, the directory.
 */
export const SENDING_SETTINGS = {
  emailFrom: {
    env: 'EMAIL_FROM',
    context: 'emailFrom',
    prop: 'emailFrom',
    type: matching(
      /^([^<>@\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/,
      'an address, or Name <address>',
    ),
    lambda: { required: true },
    local: { default: 'Matrix <noreply@localhost>' },
  },
  smsAllowedCountries: {
    env: 'SMS_ALLOWED_COUNTRIES',
    context: 'smsAllowedCountries',
    prop: 'smsAllowedCountries',
    type: countryList(),
    lambda: {
      required: true,
      choice: {
        what: 'the countries whose phone numbers may be sent SMS codes',
        examples: [
          { value: 'GB,US', means: 'only British and US numbers' },
          { value: 'none', means: 'no SMS at all' },
          { value: '*', means: 'every country, which invites SMS pumping' },
        ],
      },
    },
    local: { default: '*' },
  },
  synapseAdminUrl: {
    env: 'SYNAPSE_ADMIN_URL',
    context: 'synapseAdminUrl',
    prop: 'homeserver.adminUrl',
    type: baseUrl(),
    needs: 'homeserverOrigin',
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  synapseAdminToken: {
    env: 'SYNAPSE_ADMIN_TOKEN',
    type: secretKey(16),
    lambda: OPTIONAL,
    local: OPTIONAL,
  },
  synapseAdminTokenSecretArn: {
    env: 'SYNAPSE_ADMIN_TOKEN_SECRET_ARN',
    context: 'synapseAdminTokenSecretArn',
    prop: 'homeserver.adminTokenSecret',
    propType: 'ISecret',
    needs: 'homeserverOrigin',
    type: matching(/^arn:aws[a-z-]*:secretsmanager:/, 'a Secrets Manager secret ARN'),
    lambda: OPTIONAL,
    deploy: OPTIONAL,
  },
  passwordMinLength: {
    env: 'PASSWORD_MIN_LENGTH',
    context: 'passwordMinLength',
    prop: 'passwordMinLength',
    type: wholeNumber(1, 128),
    lambda: { default: 10 },
    local: { default: 10 },
  },
  threepidBindingsFile: {
    env: 'THREEPID_BINDINGS_FILE',
    type: text('a file path'),
    lambda: OPTIONAL,
    local: OPTIONAL,
  },
  rateLimits: {
    env: 'RATE_LIMITS',
    context: 'rateLimits',
    prop: 'rateLimits',
    type: rateLimits(),
    lambda: { default: {} },
    local: { default: {} },
    refusedOnLambda: 'off',
  },
  requestTokenInhibit3pidErrors: {
    env: 'REQUEST_TOKEN_INHIBIT_3PID_ERRORS',
    context: 'requestTokenInhibit3pidErrors',
    prop: 'requestTokenInhibit3pidErrors',
    type: flag(),
    lambda: { default: false },
    local: { default: false },
  },
  responseFloorMs: {
    env: 'RESPONSE_FLOOR_MS',
    context: 'responseFloorMs',
    prop: 'responseFloorMs',
    type: wholeNumber(0, 10_000),
    lambda: { default: 500 },
    local: { default: 500 },
  },
  decoyNotices: {
    env: 'DECOY_NOTICES',
    context: 'decoyNotices',
    prop: 'decoyNotices',
    type: subsetOf(DECOY_NOTICE_KINDS),
    lambda: { default: ['email-in-use'] },
    local: { default: ['email-in-use'] },
  },
  smsSenderId: {
    env: 'SMS_SENDER_ID',
    context: 'smsSenderId',
    prop: 'smsSenderId',
    type: matching(
      /^(?=.*[A-Za-z])[A-Za-z0-9-]{3,11}$/,
      '3-11 letters, digits or hyphens, with at least one letter',
    ),
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  smsOriginationNumber: {
    env: 'SMS_ORIGINATION_NUMBER',
    context: 'smsOriginationNumber',
    prop: 'smsOriginationNumber',
    type: matching(/^\+[1-9]\d{4,14}$/, 'an E.164 number like +15555550100'),
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  smsAllowedNumberTypes: {
    env: 'SMS_ALLOWED_NUMBER_TYPES',
    context: 'smsAllowedNumberTypes',
    prop: 'smsAllowedNumberTypes',
    type: numberTypeList(),
    lambda: { default: DEFAULT_SMS_NUMBER_TYPES },
    local: { default: DEFAULT_SMS_NUMBER_TYPES },
  },
  smsMaxPriceUsd: {
    env: 'SMS_MAX_PRICE_USD',
    context: 'smsMaxPriceUsd',
    prop: 'smsMaxPriceUsd',
    type: dollars(10),
    lambda: { default: 0.5 },
    local: OPTIONAL,
  },
  sesConfigurationSet: {
    env: 'SES_CONFIGURATION_SET',
    context: 'sesConfigurationSet',
    prop: 'sesConfigurationSet',
    type: text('a configuration set name'),
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  sesSourceArn: {
    env: 'SES_SOURCE_ARN',
    context: 'sesIdentityArn',
    prop: 'sesIdentityArn',
    type: matching(/^arn:aws[a-z-]*:ses:/, 'an SES identity ARN'),
    lambda: OPTIONAL,
    local: OPTIONAL,
    deploy: OPTIONAL,
  },
  emailDomainAllowlist: {
    env: 'EMAIL_DOMAIN_ALLOWLIST',
    context: 'emailDomainAllowlist',
    prop: 'emailDomainAllowlist',
    type: domainGlobList(),
    lambda: { default: [] },
    local: { default: [] },
  },
  emailDomainDenylist: {
    env: 'EMAIL_DOMAIN_DENYLIST',
    context: 'emailDomainDenylist',
    prop: 'emailDomainDenylist',
    type: domainGlobList(),
    lambda: { default: [] },
    local: { default: [] },
  },
} as const satisfies Record<string, Setting>;

/** Given at deploy time only: they shape the infrastructure, not the code. */
export const DEPLOY_SETTINGS = {
  frontDoor: {
    context: 'frontDoor',
    prop: 'frontDoor',
    type: oneOf(FRONT_DOORS),
    deploy: { default: 'api-gateway' },
  },
  domainName: {
    context: 'domainName',
    prop: 'customDomain.domainName',
    type: text('a host name'),
    deploy: OPTIONAL,
    goesWith: 'certificateArn',
  },
  certificateArn: {
    context: 'certificateArn',
    prop: 'customDomain.certificate',
    propType: 'ICertificate',
    type: text('an ACM certificate ARN'),
    deploy: OPTIONAL,
  },
  webAclArn: {
    context: 'webAclArn',
    prop: 'cloudFront.webAclArn',
    type: matching(
      /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[^/\s]+\/[0-9a-f-]+$/,
      'the ARN of a WAFv2 web ACL of scope CLOUDFRONT (us-east-1, global/webacl/…)',
    ),
    deploy: OPTIONAL,
    onlyWith: { setting: 'frontDoor', value: 'cloudfront' },
  },
  cloudFrontOriginReadTimeoutS: {
    context: 'cloudFrontOriginReadTimeoutSeconds',
    prop: 'cloudFront.originReadTimeout',
    propType: 'Duration',
    type: wholeNumber(1, 180),
    deploy: { default: 60 },
    onlyWith: { setting: 'frontDoor', value: 'cloudfront' },
  },
  cloudFrontOriginSecretVersion: {
    context: 'cloudFrontOriginSecretVersion',
    prop: 'cloudFront.originSecretVersion',
    type: matching(/^[A-Za-z0-9-]{32,64}$/, 'a secret version ID, as `put-secret-value` prints it'),
    deploy: OPTIONAL,
    onlyWith: { setting: 'frontDoor', value: 'cloudfront' },
  },
  throttleRateLimit: {
    context: 'throttleRateLimit',
    prop: 'throttle.rateLimit',
    type: wholeNumber(0),
    deploy: { default: 50 },
  },
  throttleBurstLimit: {
    context: 'throttleBurstLimit',
    prop: 'throttle.burstLimit',
    type: wholeNumber(0),
    deploy: { default: 100 },
  },
  smsRequestTokenRateLimit: {
    context: 'smsRequestTokenRateLimit',
    prop: 'smsRequestTokenThrottle.rateLimit',
    type: wholeNumber(0),
    deploy: { default: 2 },
  },
  smsRequestTokenBurstLimit: {
    context: 'smsRequestTokenBurstLimit',
    prop: 'smsRequestTokenThrottle.burstLimit',
    type: wholeNumber(0),
    deploy: { default: 10 },
  },
  emailRequestTokenRateLimit: {
    context: 'emailRequestTokenRateLimit',
    prop: 'emailRequestTokenThrottle.rateLimit',
    type: wholeNumber(0),
    deploy: { default: 5 },
  },
  emailRequestTokenBurstLimit: {
    context: 'emailRequestTokenBurstLimit',
    prop: 'emailRequestTokenThrottle.burstLimit',
    type: wholeNumber(0),
    deploy: { default: 20 },
  },
  smsReservedConcurrency: {
    context: 'smsReservedConcurrency',
    prop: 'smsReservedConcurrency',
    type: reservedConcurrency(1000),
    deploy: { default: 10 },
  },
  smsMonthlySpendLimitUsd: {
    context: 'smsMonthlySpendLimitUsd',
    prop: 'smsMonthlySpendLimitUsd',
    type: dollars(1_000_000),
    deploy: { default: 50 },
  },
  alarmEmail: {
    context: 'alarmEmail',
    prop: 'alarmEmail',
    type: emailAddress(),
    deploy: OPTIONAL,
  },
  stackName: {
    context: 'stackName',
    type: matching(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a letter, then up to 127 letters, digits or hyphens'),
    deploy: { default: 'MatrixThreepid' },
  },
} as const satisfies Record<string, Setting>;

/**
 * Every setting, in the order of the README's tables. Built without a spread the bundler would have
 * to keep, so a function that reads only some groups carries only those.
 */
export const SETTINGS = /* @__PURE__ */ Object.assign(
  {},
  LOCAL_SETTINGS,
  SERVICE_SETTINGS,
  SENDING_SETTINGS,
  DEPLOY_SETTINGS,
) as typeof LOCAL_SETTINGS & typeof SERVICE_SETTINGS & typeof SENDING_SETTINGS & typeof DEPLOY_SETTINGS;

/**
 * One line of documentation per setting, for the README's tables (`npm run docs`). Beside the
 * table rather than in it only so that the Lambda bundles, which read the table, do not carry the
 * prose; a setting without its line does not compile.
 */
export const SETTING_DOCS: Readonly<Record<keyof typeof SETTINGS, string>> = {
  port: 'Port of the local server; `0` picks a free one.',
  host: 'Interface the local server listens on.',
  serverName: "The homeserver's name, as shown in messages.",
  publicBaseUrl:
    "Where clients reach this API: emailed links and `submit_url` start with it. Never taken from the request's `Host`.",
  emailFrom: 'From address of emails. On AWS its domain or address must be a verified SES identity.',
  synapseModuleUrl:
    "Where the Synapse module's resource is (synapse-module/), when not at the homeserver's origin.",
  synapseModuleSecret:
    'The secret shared with the Synapse module, which then accepts email sessions validated here (locally; on AWS a secret).',
  synapseModuleSecretArn:
    'A Secrets Manager secret holding the secret shared with the Synapse module: email registration is then served here.',
  synapseAdminUrl:
    "Where Synapse's admin API is, when not at the homeserver's origin (a private address, say).",
  synapseAdminToken:
    'An access token of a Synapse server admin, for the directory and the password reset (locally; on AWS a secret).',
  synapseAdminTokenSecretArn:
    'A Secrets Manager secret holding the Synapse admin token: binds addresses to accounts, and serves the password reset.',
  passwordMinLength:
    'The shortest new password a password reset accepts (Synapse’s admin API checks none of its own).',
  homeserverOrigin:
    "The homeserver's origin; every path not served here is proxied there, path and query intact.",
  frontDoor:
    'What clients reach the homeserver\'s domain through: `api-gateway` (the HTTP API, proxying everything else to the homeserver: 10 MB, 30 s), `cloudfront`, or `reverse-proxy` (yours; see "Choosing a front door").',
  domainName:
    'A custom domain: on the API, or with `cloudfront` on the distribution; needs `certificateArn`.',
  certificateArn:
    "The custom domain's ACM certificate: in the stack's region, or in us-east-1 for `cloudfront`.",
  webAclArn: 'With `cloudfront`: a WAF web ACL (scope CLOUDFRONT) for the whole domain, homeserver included.',
  cloudFrontOriginReadTimeoutS:
    'With `cloudfront`: how long it waits on the homeserver (a `/sync` long-poll). Over 60 needs a raised CloudFront quota.',
  cloudFrontOriginSecretVersion:
    'With `cloudfront`: the version of the origin secret CloudFront sends; name the new one to rotate it (see "Operating it").',
  nextLinkAllowedHosts: 'Hosts `next_link` may point to. Empty allows any http(s) host.',
  emailTokenLifetimeS: 'How long an emailed link works, in seconds.',
  smsTokenLifetimeS: 'How long an SMS code works, in seconds.',
  rateLimits:
    'Overrides of the rate limits as JSON (see "Protecting your SMS bill"); `off` (local only) turns every limit and the resend spacing off.',
  requestTokenInhibit3pidErrors:
    'Answer requestToken the same whether or not the address has an account (a decoy session instead of `M_THREEPID_IN_USE` / `M_THREEPID_NOT_FOUND`).',
  responseFloorMs:
    'With uniform answers on, no requestToken succeeds sooner than this many milliseconds, so timing tells nothing either.',
  decoyNotices:
    'With uniform answers on, which decoys tell the address why no token came (each SMS costs money).',
  tokenHmacSecret:
    'Key of the HMAC that tokens and client secrets are stored under. Locally with `LOCAL_DATA_DIR`, a generated key is kept there.',
  tokenHmacSecretArn: 'A Secrets Manager secret holding the HMAC key.',
  threepidBindingsFile: 'JSON array of `{"medium","address","user_id"}` that already belong to accounts.',
  dataDir: 'Directory where the embedded store keeps sessions across restarts.',
  dynamodbEndpoint: 'Use another DynamoDB-compatible endpoint instead of the embedded one.',
  logLevel: 'Level of the structured logs.',
  metricNamespace:
    'CloudWatch namespace of the service’s metrics (embedded metric format); locally they are logged as `Counted` at INFO.',
  tableName: 'The DynamoDB table (set by the deployment).',
  defaultLocale:
    "Language of mail, SMS and pages when the request's `Accept-Language` names none the service has (`en`, `de`, `fr`, `es`, and any `TEMPLATES_DIR` adds).",
  brandName: 'The name mail and pages are signed with, and the start of email subjects.',
  supportContact: 'Where people get help: an email address or an https URL, shown in mail and on every page.',
  templatesDir:
    'A directory of templates and catalog entries that replace the defaults by file name (see "Your words, your name"); checked at start.',
  smsSenderId: 'Alphanumeric SMS sender ID, where destination countries support one.',
  smsOriginationNumber: 'Registered SMS origination number, where destination countries require one.',
  sesConfigurationSet:
    'SES configuration set every email is sent with: reputation metrics, and SES suppresses addresses that bounced or complained.',
  sesSourceArn: 'SES identity to send as (also cross-account); on AWS the email function may use no other.',
  throttleRateLimit: 'Stage throttling: requests a second, for all routes together.',
  throttleBurstLimit: 'Stage throttling: the largest burst of requests, for all routes together.',
  stackName: 'Name of the CloudFormation stack.',
  smsRequestTokenRateLimit:
    'Route throttling of each msisdn requestToken route: requests a second. Each SMS costs money; the stage limit still applies.',
  smsRequestTokenBurstLimit:
    'Route throttling of each msisdn requestToken route: the largest burst. Keep it at most `smsReservedConcurrency`.',
  emailRequestTokenRateLimit: 'Route throttling of each email requestToken route: requests a second.',
  emailRequestTokenBurstLimit: 'Route throttling of each email requestToken route: the largest burst.',
  smsReservedConcurrency:
    'Executions reserved for the SMS function, also its most; `none` reserves none (a concurrency quota of 10 allows none). Not 0: to stop SMS, use the kill switch.',
  smsMonthlySpendLimitUsd:
    "The account's SNS `MonthlySpendLimit`, which CloudFormation cannot set: give both one value (`aws sns set-sms-attributes`). Spend alarms go off at 50% and 80%.",
  alarmEmail:
    'Email address subscribed to the alarm topic (it must confirm): SMS spend and volume, msisdn conversion, refusal bursts, SES bounces and complaints, delivery failures, function errors and throttles, API 5xx, DynamoDB throttles, slow answers.',
  clientIpSource:
    "Where a client's IP, which abuse limits key on, is read: `direct` the source IP, `proxy` `X-Forwarded-For` from trusted proxies, `cloudfront` CloudFront's viewer address (set by `frontDoor=cloudfront`).",
  trustedProxyCidrs:
    'Addresses of your reverse proxies: with `proxy`, the rightmost `X-Forwarded-For` hop outside them is the client.',
  cloudfrontOriginSecret:
    'What CloudFront sends as `X-Origin-Verify`; with `cloudfront`, a request without it is refused (403 `M_FORBIDDEN`).',
  cloudfrontOriginSecretArn:
    'With `cloudfront`: a secret holding what CloudFront sends as `X-Origin-Verify`, read at cold start and again (at most once a minute) on another value.',
  smsAllowedCountries:
    "Countries whose numbers may get SMS codes, judged on the number (not the request's `country`); `none` sends none. Others: 403 `M_THREEPID_DENIED`.",
  smsAllowedNumberTypes:
    "Kinds of number that may get SMS codes, by libphonenumber's range metadata. Others (premium-rate, toll-free, …): 403 `M_THREEPID_DENIED`.",
  smsMaxPriceUsd:
    "Most SNS may charge for one SMS (`AWS.SNS.SMS.MaxPrice`). `0.5` cuts off no usual destination; lower it to your dearest allowed country's price plus 20%.",
  emailDomainAllowlist:
    'Email domains that may be validated (`*`: any run of characters, dots too). Empty allows all; others: 403 `M_THREEPID_DENIED`.',
  emailDomainDenylist: 'Email domains that may not be validated, even if allowed: 403 `M_THREEPID_DENIED`.',
};

export type Settings = typeof SETTINGS;
export type SettingName = keyof Settings;
/** The type of a setting's value, as its parser reads it. */
export type ValueOf<N extends SettingName> = Settings[N]['type'] extends Parser<infer T> ? T : never;
export type Where = 'lambda' | 'local' | 'deploy';

export const SETTING_NAMES = /* @__PURE__ */ Object.keys(SETTINGS) as SettingName[];

/** How `name` may be left out `where`; undefined when it does not apply there. */
export function presenceOf(name: SettingName, where: Where): Presence | undefined {
  return presenceIn(SETTINGS[name], where);
}

/** The same, from the setting itself (for readers that hold only some groups of the table). */
export function presenceIn(setting: Setting, where: Where): Presence | undefined {
  return where === 'deploy' ? (setting.deploy ?? setting.lambda) : setting[where];
}

/** Whether a raw value counts as not given. */
export const isBlank = (raw: string | undefined): boolean => raw === undefined || raw.trim() === '';

/**
 * The value of `name` from `raw` where `presence` applies: parsed, defaulted, or undefined when
 * it may be left out. A problem (`is required`, `must be …`) comes with the default, if any.
 */
export function readSetting<N extends SettingName>(
  name: N,
  raw: string | undefined,
  presence: Presence,
): { readonly value: ValueOf<N> | undefined; readonly problem?: string } {
  return readValue<ValueOf<N>>(SETTINGS[name], raw, presence);
}

/** The same, from the setting itself. */
export function readValue<T>(
  setting: Setting,
  raw: string | undefined,
  presence: Presence,
): { readonly value: T | undefined; readonly problem?: string } {
  const fallback = 'default' in presence ? (presence.default as T) : undefined;
  if (raw === undefined || isBlank(raw)) {
    return 'required' in presence
      ? { value: undefined, problem: requiredProblem(presence) }
      : { value: fallback };
  }
  const parsed = (setting.type as Parser<T>).parse(raw);
  return 'problem' in parsed ? { value: fallback, problem: parsed.problem } : parsed;
}

/**
 * `is required`, followed, for a setting with a choice to make, by what it decides and typical
 * values, each written by `assign` the way the caller's vocabulary sets it (`-c key=GB,US`).
 */
export function requiredProblem(
  presence: Presence,
  assign: (value: string) => string = (value) => value,
): string {
  const choice = 'required' in presence ? presence.choice : undefined;
  if (choice === undefined) return 'is required';
  const examples = choice.examples.map((example) => `${assign(example.value)} (${example.means})`);
  const last = examples.pop();
  const list = examples.length > 0 ? `${examples.join(', ')} or ${last}` : last;
  return `is required: ${choice.what}, like ${list}`;
}

/** Problems with settings, each already naming its setting the way the caller knows it. */
export class SettingsError extends Error {
  override readonly name: string = 'SettingsError';

  constructor(
    heading: string,
    readonly problems: readonly string[],
  ) {
    super(`${heading}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * What leaving out an optional setting means, where it is optional: the README's words (`in
 * memory`, `none: other paths answer 404`). Kept out of SETTINGS so the functions do not carry them.
 */
export const SETTING_UNSET: Readonly<Partial<Record<SettingName, Partial<Record<Where, string>>>>> = {
  publicBaseUrl: { local: '`http://localhost:$PORT/`' },
  homeserverOrigin: {
    lambda: 'set by the deployment',
    local: 'none: other paths answer 404',
    deploy: 'none: other paths answer 404',
  },
  synapseModuleUrl: {
    lambda: 'the homeserver origin + `/_synapse/client/matrix_3pid/session`',
    local: '`HOMESERVER_URL` + `/_synapse/client/matrix_3pid/session`',
    deploy: 'the homeserver origin + `/_synapse/client/matrix_3pid/session`',
  },
  synapseModuleSecret: {
    lambda: '`SYNAPSE_MODULE_SECRET_ARN`',
    local: 'none: Synapse keeps email registration',
  },
  synapseModuleSecretArn: {
    lambda: 'set by the deployment, on the functions that use it',
    deploy: 'none: email registration stays with Synapse',
  },
  synapseAdminUrl: {
    lambda: 'the homeserver origin',
    local: '`HOMESERVER_URL`',
    deploy: 'the homeserver origin',
  },
  synapseAdminToken: {
    lambda: '`SYNAPSE_ADMIN_TOKEN_SECRET_ARN`',
    local: 'none: a bindings file, or nothing, is the directory',
  },
  synapseAdminTokenSecretArn: {
    lambda: 'set by the deployment, on the functions that use it',
    deploy: 'none: nothing is bound, and the password reset is not served',
  },
  domainName: { deploy: 'none: the execute-api (or cloudfront.net) URL' },
  certificateArn: { deploy: 'none' },
  tokenHmacSecret: { lambda: 'required, or `TOKEN_HMAC_SECRET_ARN`', local: 'random per start' },
  tokenHmacSecretArn: { lambda: 'set by the deployment', deploy: 'a generated secret' },
  threepidBindingsFile: { lambda: 'unset: nothing bound', local: 'unset: nothing bound' },
  dataDir: { local: 'unset: in memory' },
  brandName: { lambda: 'the server name', local: 'the server name', deploy: 'the server name' },
  supportContact: { lambda: 'none', local: 'none', deploy: 'none' },
  templatesDir: {
    lambda: 'set by the deployment from `templatesDir`',
    local: 'none: the defaults',
    deploy: 'none: the defaults',
  },
  dynamodbEndpoint: { local: 'unset: embedded' },
  smsSenderId: { lambda: 'optional', local: '–', deploy: "none: the carrier's default" },
  smsOriginationNumber: { lambda: 'optional', local: '–', deploy: 'none' },
  smsMaxPriceUsd: { local: '–' },
  sesConfigurationSet: {
    lambda: 'set by the deployment',
    local: '–',
    deploy: 'one made with reputation metrics and bounce and complaint suppression',
  },
  sesSourceArn: {
    lambda: 'optional',
    local: '–',
    deploy: "the identities of `emailFrom`'s domain and address",
  },
  trustedProxyCidrs: {
    lambda: 'required with `proxy`',
    local: 'required with `proxy`',
    deploy: 'none; required with `proxy`',
  },
  cloudfrontOriginSecret: {
    lambda: 'with `cloudfront`, required or `CLOUDFRONT_ORIGIN_SECRET_ARN`',
    local: 'required with `cloudfront`',
  },
  cloudfrontOriginSecretArn: {
    lambda: 'set by the CloudFront front door',
    deploy: 'with `cloudfront`, a generated secret',
  },
  webAclArn: { deploy: 'none' },
  cloudFrontOriginSecretVersion: { deploy: 'the current version, when deployed' },
  alarmEmail: { deploy: 'none: subscribe to `AlarmTopicArn` yourself' },
};
