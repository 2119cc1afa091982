import type { Options } from 'tsup';

/** Shared tsup settings: ESM + CJS + declarations, one bundle per entry, Node 20 target. */
export function baseOptions(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    outExtension({ format }) {
      return { js: format === 'cjs' ? '.cjs' : '.js' };
    },
  };
}
