import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Definition, Link, Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** README.md and every Markdown file under docs/ (not the generated typedoc output in docs/api). */
function markdownFiles(): string[] {
  const out = [join(root, 'README.md')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (relative(root, path) !== join('docs', 'api')) walk(path);
      } else if (entry.name.endsWith('.md')) out.push(path);
    }
  };
  walk(join(root, 'docs'));
  return out.sort();
}

/** Link targets of a Markdown file, parsed as GitHub does (links in code are not links). */
function linkTargets(text: string): string[] {
  const tree = unified().use(remarkParse).use(remarkGfm).parse(text) as Root;
  const urls: string[] = [];
  visit(tree, (node) => {
    if (node.type === 'link' || node.type === 'definition') urls.push((node as Link | Definition).url);
  });
  return urls;
}

/** Relative links only: no scheme (http:, mailto:), no protocol-relative `//`, no pure `#anchor`. */
const isRelative = (url: string): boolean =>
  !/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith('//') && !url.startsWith('#');

describe('documentation links', () => {
  const files = markdownFiles();

  it('finds the README and the guides', () => {
    const names = files.map((f) => relative(root, f));
    expect(names).toContain('README.md');
    expect(names.filter((n) => n.startsWith('docs')).length).toBeGreaterThan(3);
  });

  it.each(files.map((f) => [relative(root, f), f]))(
    'every relative link in %s points to an existing file',
    (_name, file) => {
      const broken: string[] = [];
      for (const url of linkTargets(readFileSync(file, 'utf8'))) {
        if (!isRelative(url)) continue;
        const path = decodeURIComponent(url.replace(/[?#].*$/, ''));
        if (path === '') continue;
        const target = path.startsWith('/') ? join(root, path) : join(dirname(file), path);
        if (!existsSync(target)) broken.push(`${url} → ${relative(root, target)} does not exist`);
        else if (path.endsWith('/') && !statSync(target).isDirectory()) broken.push(`${url} is not a folder`);
      }
      expect(broken).toEqual([]);
    },
  );
});
