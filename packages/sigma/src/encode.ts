/**
 * The encoding modifiers: `base64`, `base64offset`, `utf16le`/`wide`, `utf16be`, `utf16`. Values go
 * through them left to right, as the modifier chain says.
 */

/** A value on its way through encoding modifiers: text, or bytes after a `utf16*` modifier. */
export type Encoded =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

function bytesOf(v: Encoded): Uint8Array {
  return v.kind === 'bytes' ? v.bytes : new TextEncoder().encode(v.text);
}

function textOf(v: Encoded): string {
  return v.kind === 'text' ? v.text : String.fromCharCode(...v.bytes);
}

/** UTF-16 of the value's text, little- or big-endian, optionally with a byte order mark. */
export function utf16(v: Encoded, endian: 'le' | 'be', bom: boolean): Encoded {
  const s = textOf(v);
  const out = new Uint8Array(s.length * 2 + (bom ? 2 : 0));
  let o = 0;
  if (bom) {
    out[o++] = endian === 'le' ? 0xff : 0xfe;
    out[o++] = endian === 'le' ? 0xfe : 0xff;
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (endian === 'le') {
      out[o++] = c & 0xff;
      out[o++] = c >> 8;
    } else {
      out[o++] = c >> 8;
      out[o++] = c & 0xff;
    }
  }
  return { kind: 'bytes', bytes: out };
}

/** Standard base64 (with padding) of the value's bytes (UTF-8 for text). */
export function base64(v: Encoded): string {
  return Buffer.from(bytesOf(v)).toString('base64');
}

const START = [0, 2, 3] as const;
const END = [undefined, -3, -2] as const;

/**
 * The three fragments a value has inside any base64 text, one per byte offset (0, 1, 2): the encoded
 * value with the characters that depend on its neighbours cut off.
 */
export function base64offset(v: Encoded): string[] {
  const bytes = bytesOf(v);
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const shifted = new Uint8Array(i + bytes.length);
    shifted.fill(0x20, 0, i);
    shifted.set(bytes, i);
    const enc = Buffer.from(shifted).toString('base64');
    out.push(enc.slice(START[i], END[(bytes.length + i) % 3]));
  }
  return [...new Set(out)];
}
