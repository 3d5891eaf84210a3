/**
 * How every function is bundled, in one place: the construct hands these options to
 * NodejsFunction (local esbuild), and the bundling test builds with the same ones.
 */
import { cpSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { DEFAULTS_DIR } from '../functions/templates/presentation.js';

export const BUNDLE = {
  format: 'esm',
  target: 'node24',
  minify: true,
  sourceMap: true,
  /**
   * Some dependencies are CommonJS and call require() for Node built-ins; in an ES module bundle
   * require() must be recreated.
   */
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  /** The AWS SDK is bundled too: the deployed code runs the SDK versions the tests ran. */
  externalModules: [] as string[],
  mainFields: ['module', 'main'],
} as const;

/**
 * The same bundle as the construct makes, for esbuild's API (the tests and the benchmark): when
 * the bundle renders mail or pages, the default templates and catalogs are copied beside it, as
 * the construct's command hooks do.
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLE.format,
    target: BUNDLE.target,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourceMap,
    sourcesContent: false,
    banner: { js: BUNDLE.banner },
    external: [...BUNDLE.externalModules],
    mainFields: [...BUNDLE.mainFields],
    logLevel: 'silent',
    metafile: true,
    plugins: [templatesBeside(outfile)],
  };
}

/** Copies the default templates beside a bundle that loads them (presentation.ts is in it). */
function templatesBeside(outfile: string): Plugin {
  const presentation = resolve(DEFAULTS_DIR, '..', 'presentation.ts');
  return {
    name: 'templates-beside-the-bundle',
    setup(build) {
      build.onEnd((result) => {
        const inputs = Object.keys(result.metafile?.inputs ?? {}).map((input) => resolve(input));
        if (inputs.includes(presentation)) {
          cpSync(DEFAULTS_DIR, join(dirname(outfile), 'defaults'), { recursive: true });
        }
      });
    },
  };
}
