import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { bindingsOf, FUNCTIONS } from '../../infra/functions.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/**
 * The CDK an app already has: linked from this repository's node_modules rather than installed
 * again (aws-cdk-lib is 50 MB). esbuild, which NodejsFunction runs from the app's node_modules/.bin,
 * is installed by npm beside the package, at this repository's version.
 */
const LINKED_PEERS = ['aws-cdk-lib', 'constructs'];
const ESBUILD_VERSION = JSON.parse(
  readFileSync(join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8'),
).version;

/** A CDK app of someone else's, in TypeScript, that uses the construct as its README says. */
const APP = `import { App, Stack } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { MatrixThreepidValidation, type MatrixThreepidValidationProps } from 'matrix-3pid-serverless';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'SomeoneElses', { env: { account: '123456789012', region: 'eu-west-1' } });
const adminTokenSecret = new Secret(stack, 'SynapseAdminToken');
const props: MatrixThreepidValidationProps = {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'Example <noreply@example.org>',
  smsAllowedCountries: ['GB', 'US'],
  homeserver: { origin: 'https://synapse.example.org', adminTokenSecret },
  frontDoor: 'reverse-proxy',
};
const validation = new MatrixThreepidValidation(stack, 'Validation', props);
const table: string = validation.table.tableArn;
app.synth();
console.log(table ? 'synthesized' : 'no table');
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    // As CDK apps do: aws-cdk-lib's own declarations need newer libs than ES2022's.
    skipLibCheck: true,
    types: [],
  },
  files: ['app.ts'],
};

/**
 * What another team gets from `npm install`: the packed tarball (its prepack builds dist/),
 * installed by npm into a new app, whose TypeScript imports the construct through the package's
 * `exports`, type-checks against its declarations, and synthesizes, bundling every function with
 * esbuild from the installed JavaScript.
 */
describe('the package', () => {
  const work = mkdtempSync(join(tmpdir(), 'package-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs, installs into another CDK app, type-checks and synthesizes', { timeout: 180_000 }, async () => {
    // Prepare: the tarball, as `npm publish` would upload it.
    const { stdout: packed } = await run(NPM, ['pack', '--pack-destination', work, '--json'], { cwd: ROOT });
    const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
    const shipped = files.map((file) => file.path);
    expect(shipped).toEqual(
      expect.arrayContaining(['LICENSE', 'dist/infra/index.js', 'dist/infra/index.d.ts']),
    );
    expect(
      shipped.filter(
        (path) =>
          /^(functions|infra|test|scripts)\//.test(path) || (path.endsWith('.ts') && !path.endsWith('.d.ts')),
      ),
    ).toEqual([]);

    // Act: a new app installs it with npm; its peers are the app's own.
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'someone-elses-app', private: true, type: 'module' }),
    );
    await run(
      NPM,
      [
        'install',
        join(work, filename),
        `esbuild@${ESBUILD_VERSION}`,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        // The peers are the app's own, linked next: npm is not to fetch them.
        '--legacy-peer-deps',
      ],
      { cwd: app, timeout: 150_000 },
    );
    for (const peer of LINKED_PEERS)
      symlinkSync(join(ROOT, 'node_modules', peer), join(app, 'node_modules', peer), 'dir');
    writeFileSync(join(app, 'app.ts'), APP);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', app], { cwd: app });
    const { stdout } = await run(process.execPath, ['app.js'], {
      cwd: app,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      timeout: 150_000,
    });

    // Assess: every function, bundled from the package's JavaScript, templates beside those that render.
    expect(stdout.trim()).toBe('synthesized');
    const installed = JSON.parse(
      readFileSync(join(app, 'node_modules', 'matrix-3pid-serverless', 'package.json'), 'utf8'),
    );
    expect(installed.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'SomeoneElses.template.json'), 'utf8'));
    type Resource = { Type: string; Properties: { Code?: { S3Key?: string } } };
    const functions = Object.values(template.Resources as Record<string, Resource>).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );
    expect(functions).toHaveLength(Object.keys(FUNCTIONS).length);
    // Each function's code is the asset whose hash names its zip.
    const assets = functions.map((fn) =>
      join(app, 'cdk.out', `asset.${fn.Properties.Code?.S3Key?.replace(/\.zip$/, '')}`),
    );
    for (const asset of assets) expect(existsSync(join(asset, 'index.mjs')), asset).toBe(true);
    const rendering = Object.values(FUNCTIONS).filter((spec) => bindingsOf(spec, 'templates').length > 0);
    expect(assets.filter((asset) => existsSync(join(asset, 'defaults', 'locales', 'de.json')))).toHaveLength(
      rendering.length,
    );
  });
});
