import { constants, deflateRawSync, gzipSync } from 'node:zlib';

/**
 * Measures the gzip-compressed size of a long text written piece by piece, without holding it or
 * compressing it more than once. Pieces are gathered into blocks of about `blockBytes`; each block is
 * deflated once with the 32 KiB before it as a preset dictionary (deflate's whole window), so a block
 * compresses as it would inside one continuous stream, and the sum of the blocks' sizes is what one
 * gzip of the whole text costs (a few bytes more per block: each block ends its own deflate stream).
 */
export const WINDOW_BYTES = 32 * 1024;
/** gzip's header and trailer around the deflate stream. */
export const GZIP_FRAME_BYTES = 18;

/** Compressed bytes of `pieces` deflated with `dictionary` as the preceding window. */
export function deflatedBytes(pieces: readonly string[], dictionary: Buffer): number {
  if (pieces.length === 0) return 0;
  const input = Buffer.from(pieces.join(''), 'utf8');
  return deflateRawSync(input, {
    level: constants.Z_DEFAULT_COMPRESSION,
    ...(dictionary.length > 0 ? { dictionary } : {}),
  }).length;
}

/** The gzip-compressed size of one text, as `gzip` (and GitHub's upload) compress it. */
export function gzippedBytes(text: string): number {
  return gzipSync(text).length;
}

/** The last `WINDOW_BYTES` of `before` followed by `pieces`. */
function nextWindow(before: Buffer, pieces: readonly string[]): Buffer {
  const tail = Buffer.from(pieces.join(''), 'utf8');
  if (tail.length >= WINDOW_BYTES) return Buffer.from(tail.subarray(tail.length - WINDOW_BYTES));
  const joined = Buffer.concat([before, tail]);
  return Buffer.from(joined.subarray(Math.max(0, joined.length - WINDOW_BYTES)));
}

/** One text stream being measured: compressed bytes of the blocks so far, the pending block, the window. */
export class DeflateMeter {
  /** Compressed bytes of the blocks measured so far. */
  done = 0;
  /** The last 32 KiB of the text measured so far (the next block's dictionary). */
  window: Buffer = Buffer.alloc(0);
  private pending: string[] = [];
  /** UTF-16 length of the pending pieces (an estimate of their UTF-8 size, for the block size only). */
  pendingLength = 0;

  add(piece: string): void {
    this.pending.push(piece);
    this.pendingLength += piece.length;
  }

  /** Measures the pending block. */
  flush(): void {
    if (this.pending.length === 0) return;
    this.done += deflatedBytes(this.pending, this.window);
    this.window = nextWindow(this.window, this.pending);
    this.pending = [];
    this.pendingLength = 0;
  }
}
