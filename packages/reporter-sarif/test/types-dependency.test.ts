import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const srcDir = new URL('../src/', import.meta.url);

function sources(dir: URL): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(new URL(`${e.name}/`, dir))
      : e.name.endsWith('.ts')
        ? [readFileSync(new URL(e.name, dir), 'utf8')]
        : [],
  );
}

describe('the SARIF object model', () => {
  it("is the community one (@types/sarif), a dependency so that users' compilers resolve the published .d.ts", () => {
    const all = sources(srcDir).join('\n');
    expect(all).toMatch(/from 'sarif'/);
    expect(pkg.dependencies?.['@types/sarif']).toMatch(/^\^2\.1\./);
    expect(pkg.devDependencies?.['@types/sarif']).toBeUndefined();
  });
});
