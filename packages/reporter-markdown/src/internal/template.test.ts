import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from './template.js';

const ctx = { maxValueLength: 200 };
const parse = (md: string) => unified().use(remarkParse).use(remarkGfm).parse(md);

describe('renderTemplate', () => {
  it('renders {name} as a code span and {~name} as escaped prose', () => {
    const md = renderTemplate('Ran {tool} because {~why}.', { tool: 'lsof', why: 'the image is a *relay*' }, ctx)!;
    expect(md).toBe('Ran `lsof` because the image is a \\*relay\\*.');
  });

  it('keeps hostile prose values inert: no link, image, html or emphasis node', () => {
    const md = renderTemplate(
      'Because {~why}.',
      { why: '[x](http://evil.example) ![i](http://e/i.png) <b>hi</b> *em*\n# head' },
      ctx,
    )!;
    const types = new Set<string>();
    const walk = (n: { type: string; children?: unknown[] }) => {
      types.add(n.type);
      for (const c of (n.children ?? []) as { type: string }[]) walk(c);
    };
    walk(parse(md) as never);
    for (const t of ['link', 'image', 'html', 'emphasis', 'heading']) expect(types.has(t), t).toBe(false);
  });

  it('falls back (undefined) when a placeholder has no value', () => {
    expect(renderTemplate('Because {~why}.', {}, ctx)).toBeUndefined();
  });
});
