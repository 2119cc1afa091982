import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Rows held until something they need arrives: the rows of a Log Analytics REST answer that come
 * before its `columns`. The first {@link MEMORY_CHARS} characters of row text stay in memory; the
 * rest goes to a temporary file (mode 0600, in the OS temporary folder, removed when drained or
 * disposed), so holding rows costs bounded memory whatever the size of the answer. Rows come back
 * in the order they were added. Synchronous file I/O: the readers are synchronous, and one write
 * per {@link BLOCK} bytes keeps it cheap.
 */

const MEMORY_CHARS = 1024 * 1024;
const BLOCK = 1024 * 1024;
const HEADER = 20; // line (f64), record (f64), byte length (u32)

export interface HeldRow {
  readonly text: string;
  readonly line: number;
  readonly record: number;
}

export class RowSpill {
  #memory: HeldRow[] = [];
  #memoryChars = 0;
  #dir: string | undefined;
  #path: string | undefined;
  #fd: number | undefined;
  /** Rows waiting to be written, encoded in place (one allocation for the whole spill). */
  #block: Buffer | undefined;
  #blockBytes = 0;
  #written = 0;

  constructor(private readonly memoryChars = MEMORY_CHARS) {}

  get empty(): boolean {
    return this.#memory.length === 0 && this.#fd === undefined;
  }

  add(text: string, line: number, record: number): void {
    if (this.#fd === undefined && this.#memoryChars + text.length <= this.memoryChars) {
      this.#memory.push({ text, line, record });
      this.#memoryChars += text.length;
      return;
    }
    if (this.#fd === undefined) this.#open();
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.#blockBytes + HEADER + bytes > BLOCK) this.#flush();
    // A row longer than a block gets a buffer of its own, written at once.
    const big = HEADER + bytes > BLOCK;
    if (!big && this.#block === undefined) this.#block = Buffer.allocUnsafe(BLOCK);
    const block = big ? Buffer.allocUnsafe(HEADER + bytes) : (this.#block as Buffer);
    const at = big ? 0 : this.#blockBytes;
    block.writeDoubleLE(line, at);
    block.writeDoubleLE(record, at + 8);
    block.writeUInt32LE(bytes, at + 16);
    block.write(text, at + HEADER, bytes, 'utf8');
    if (big) this.#write(block, HEADER + bytes);
    else this.#blockBytes += HEADER + bytes;
  }

  /** Every held row, in order; the holder is empty afterwards (and its file removed). */
  *drain(): Generator<HeldRow> {
    const memory = this.#memory;
    this.#memory = [];
    this.#memoryChars = 0;
    try {
      yield* memory;
      if (this.#fd === undefined) return;
      this.#flush();
      const fd = this.#fd;
      let at = 0;
      let buf = this.#block ?? Buffer.allocUnsafe(BLOCK);
      this.#block = undefined;
      let have = 0;
      let pos = 0;
      for (;;) {
        if (have - pos < HEADER || have - pos < HEADER + buf.readUInt32LE(pos + 16)) {
          // Refill: move the unread bytes to the front; a row longer than the buffer gets a bigger one.
          const need = have - pos >= HEADER ? HEADER + buf.readUInt32LE(pos + 16) : HEADER;
          const next = need > buf.length ? Buffer.allocUnsafe(need) : buf;
          buf.copy(next, 0, pos, have);
          have -= pos;
          pos = 0;
          buf = next;
          const n = at < this.#written ? readSync(fd, buf, have, buf.length - have, at) : 0;
          at += n;
          have += n;
          if (n === 0) return;
          continue;
        }
        const line = buf.readDoubleLE(pos);
        const record = buf.readDoubleLE(pos + 8);
        const len = buf.readUInt32LE(pos + 16);
        const text = buf.toString('utf8', pos + HEADER, pos + HEADER + len);
        pos += HEADER + len;
        yield { text, line, record };
      }
    } finally {
      this.dispose();
    }
  }

  /** Drop what is held and remove the file. */
  dispose(): void {
    this.#memory = [];
    this.#memoryChars = 0;
    this.#block = undefined;
    this.#blockBytes = 0;
    this.#written = 0;
    if (this.#fd !== undefined) {
      try {
        closeSync(this.#fd);
      } catch {
        // already closed
      }
      this.#fd = undefined;
    }
    if (this.#dir !== undefined) {
      rmSync(this.#dir, { recursive: true, force: true });
      this.#dir = undefined;
      this.#path = undefined;
    }
  }

  #open(): void {
    this.#dir = mkdtempSync(join(tmpdir(), 'tripline-rows-'));
    this.#path = join(this.#dir, 'rows.bin');
    this.#fd = openSync(this.#path, 'wx+', 0o600);
    // Where the OS allows it, the file goes at once and lives only as long as the descriptor.
    try {
      unlinkSync(this.#path);
    } catch {
      // removed with its folder in dispose()
    }
  }

  #flush(): void {
    if (this.#block === undefined || this.#blockBytes === 0) return;
    this.#write(this.#block, this.#blockBytes);
    this.#blockBytes = 0;
  }

  #write(data: Buffer, length: number): void {
    if (this.#fd === undefined) return;
    let off = 0;
    while (off < length) off += writeSync(this.#fd, data, off, length - off, this.#written + off);
    this.#written += length;
  }
}
