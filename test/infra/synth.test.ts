import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run synth`, as the README gives it: offline, with no AWS credentials or profile and a
 * fresh home directory, bundling locally with esbuild and running cdk-nag.
 */
describe('npm run synth', () => {
  it('synthesizes the stack into cdk.out/ with no credentials', { timeout: 120_000 }, async () => {
    rmSync(join(ROOT, 'cdk.out'), { recursive: true, force: true });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: mkdtempSync(join(tmpdir(), 'home-')),
    };
    const { stderr } = await promisify(execFile)('npm', ['run', 'synth'], {
      cwd: ROOT,
      env,
      timeout: 110_000,
    });
    expect(stderr).not.toMatch(/ERROR|Synthesis finished with errors/);

    const templatePath = join(ROOT, 'cdk.out', 'MatrixThreepid.template.json');
    expect(existsSync(templatePath)).toBe(true);
    const template = JSON.parse(readFileSync(templatePath, 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map(
      (resource) => resource.Type,
    );
    expect(types.filter((type) => type === 'AWS::Lambda::Function')).toHaveLength(6);
    expect(types).toContain('AWS::DynamoDB::GlobalTable');

    const assets = JSON.parse(
      readFileSync(join(ROOT, 'cdk.out', 'MatrixThreepid.assets.json'), 'utf8'),
    ).files;
    const bundles = Object.values(assets as Record<string, { source: { path: string } }>).filter((asset) =>
      asset.source.path.startsWith('asset.'),
    );
    expect(bundles).toHaveLength(6);
    for (const bundle of bundles)
      expect(existsSync(join(ROOT, 'cdk.out', bundle.source.path, 'index.mjs'))).toBe(true);
  });
});
