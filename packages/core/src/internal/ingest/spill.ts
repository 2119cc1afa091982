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

const MEMORY_CHARS = 4 * 1024 * 1024;
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
  #block: Buffer[] = [];
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
    const body = Buffer.from(text, 'utf8');
    const head = Buffer.alloc(HEADER);
    head.writeDoubleLE(line, 0);
    head.writeDoubleLE(record, 8);
    head.writeUInt32LE(body.length, 16);
    this.#block.push(head, body);
    this.#blockBytes += HEADER + body.length;
    if (this.#blockBytes >= BLOCK) this.#flush();
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
      let buf = Buffer.alloc(BLOCK);
      let have = 0;
      let pos = 0;
      for (;;) {
        if (have - pos < HEADER || have - pos < HEADER + buf.readUInt32LE(pos + 16)) {
          // Refill: keep the unread bytes, grow the buffer for a row longer than it.
          const need = have - pos >= HEADER ? HEADER + buf.readUInt32LE(pos + 16) : HEADER;
          const next = Buffer.alloc(Math.max(BLOCK, need));
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
    this.#block = [];
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
    if (this.#fd === undefined || this.#blockBytes === 0) return;
    const data = this.#block.length === 1 ? (this.#block[0] as Buffer) : Buffer.concat(this.#block, this.#blockBytes);
    let off = 0;
    while (off < data.length) off += writeSync(this.#fd, data, off, data.length - off, this.#written + off);
    this.#written += data.length;
    this.#block = [];
    this.#blockBytes = 0;
  }
}
