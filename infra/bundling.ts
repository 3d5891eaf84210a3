/**
 * How every function is bundled, in one place: the construct hands these options to
 * NodejsFunction (local esbuild), and the bundling test builds with the same ones.
 */
import type { BuildOptions } from 'esbuild';

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

/** The same bundle as the construct makes, for esbuild's API. */
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
  };
}
