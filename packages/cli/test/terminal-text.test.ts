import { describe, expect, it } from 'vitest';
import { terminalText } from '../src/internal/text.js';

describe('terminalText', () => {
  it('shows variation selectors, U+034F and other default-ignorable characters instead of passing them to the terminal', () => {
    const hidden = Array.from(Buffer.from('benign'), (b) => String.fromCodePoint(0xe0100 + b - 16)).join('');
    const shown = terminalText(`web1${hidden}\uFE0F\u034F\u3164\u{E0001}`);
    expect(shown).toBe('web1⟪U+E0152⟫⟪U+E0155⟫⟪U+E015E⟫⟪U+E0159⟫⟪U+E0157⟫⟪U+E015E⟫⟪U+FE0F⟫⟪U+034F⟫⟪U+3164⟫⟪U+E0001⟫');
  });
});
