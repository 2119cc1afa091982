import { parseJsonExact } from '../json/exact.js';
import { exceedsBytes, syntaxMessage, type TextReader } from './lines.js';
import { columnNames, type Router } from './route.js';
import { RowSpill } from './spill.js';

/**
 * Streaming reader of whole JSON documents: an Event Hub message `{"records":[…]}`, an advanced
 * hunting / Graph answer `{"Schema"|"schema", "Results"|"results"}`, a Log Analytics REST answer
 * `{"tables":[{"columns","rows"}]}`, a Sentinel / az CLI array `[…]`, or one pretty-printed row or
 * streaming record. Several documents may follow each other (concatenated or one per line).
 *
 * A small structural scanner (depth, strings, escapes) finds the elements of the row arrays and
 * hands each element's text to the exact JSON parser, so a document of any size is read holding
 * one element at a time; nothing but the scanner state survives a chunk. A top-level object that
 * turns out to have no row array (a single pretty-printed row) is captured whole, within the
 * `maxBytes` limit. Elements carry their 1-based index (`record`) and the line they start on.
 */

/** Container roles the scanner tracks (plain numbers: cheap compares in the hot loop). */
const Kind = { Env: 0, Rows: 1, Tables: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];
/** Where an object member is: reading its key, its value, or past a row array it held. */
const Phase = { Key: 0, Value: 1, Skip: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];
type Role = 'meta' | 'records' | 'results' | 'tables' | 'rest' | 'columns';

interface Frame {
  readonly kind: Kind;
  /** `depth` while directly inside this container. */
  readonly depth: number;
  /** Env: the top-level object (whole-document capture applies). */
  readonly top: boolean;
  /** Rows: how elements are routed. */
  readonly ctx: 'records' | 'results' | 'array' | 'rest';
  /** Rows of a REST table: the table object holding `columns`. */
  readonly table: Frame | undefined;
  phase: Phase;
  role: Role;
  index: number;
  columns: string[] | undefined;
  /** REST rows that came before their table's `columns` (raw text; spilled to disk beyond a few MB). */
  pending: RowSpill | undefined;
}

function frame(kind: Kind, depth: number, top: boolean, ctx: Frame['ctx'], table?: Frame): Frame {
  return {
    kind,
    depth,
    top,
    ctx,
    table,
    phase: Phase.Key,
    role: 'meta',
    index: 0,
    columns: undefined,
    pending: undefined,
  };
}

/** Text being collected across chunks: an element, a member key or value, or a whole document. */
class Capture {
  on = false;
  parts: string[] = [];
  start = 0;
  chars = 0;
  /** Line of the first non-blank character, 0 before it. */
  line = 0;
  tooLong = false;

  constructor(private readonly max: number) {}

  begin(at: number): void {
    this.on = true;
    this.parts = [];
    this.start = at;
    this.chars = 0;
    this.line = 0;
    this.tooLong = false;
  }

  reset(): void {
    this.on = false;
    this.parts = [];
    this.chars = 0;
    this.line = 0;
    this.tooLong = false;
  }

  /** End of a chunk: keep the tail (unless over the limit) and continue at the next chunk's start. */
  carry(text: string): void {
    if (!this.on) return;
    if (!this.tooLong) {
      const piece = text.slice(this.start);
      this.chars += piece.length;
      if (this.chars > this.max) {
        this.tooLong = true;
        this.parts = [];
      } else this.parts.push(piece);
    }
    this.start = 0;
  }

  /** Text from the capture's start to `end` of the current chunk; undefined when over the limit. */
  text(text: string, end: number): string | undefined {
    if (this.tooLong) return undefined;
    const last = text.slice(this.start, end);
    const all = this.parts.length > 0 ? this.parts.join('') + last : last;
    if (exceedsBytes(all, this.max)) {
      this.tooLong = true;
      this.parts = [];
      return undefined;
    }
    return all;
  }
}

/** Streaming reader of JSON documents; see the module comment. */
export class JsonDocReader implements TextReader {
  #depth = 0;
  #frames: Frame[] = [];
  #inStr = false;
  #esc = false;
  #line = 1;
  #skipLine = false;
  readonly #seg: Capture;
  readonly #whole: Capture;
  #text = '';
  /** Log Analytics rows seen in this document: REST rows are numbered across its tables. */
  #restRows = 0;
  /** Line the current top-level document starts on. */
  #docLine = 1;

  constructor(
    private readonly router: Router,
    private readonly maxBytes: number,
  ) {
    this.#seg = new Capture(maxBytes);
    this.#whole = new Capture(maxBytes);
  }

  #active(): Frame | undefined {
    const f = this.#frames[this.#frames.length - 1];
    return f !== undefined && f.depth === this.#depth ? f : undefined;
  }

  push(text: string): void {
    this.#text = text;
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (this.#skipLine) {
        const nl = text.indexOf('\n', i);
        if (nl === -1) break;
        this.#skipLine = false;
        this.#line++;
        i = nl + 1;
        continue;
      }
      if (this.#inStr) {
        if (this.#esc) {
          this.#esc = false;
          i++;
          continue;
        }
        let j = i;
        let d = 0;
        for (; j < n; j++) {
          d = text.charCodeAt(j);
          if (d === 0x22 || d === 0x5c || d === 0x0a) break;
        }
        if (j >= n) break;
        if (d === 0x5c) this.#esc = true;
        else if (d === 0x0a) this.#line++;
        else this.#inStr = false;
        i = j + 1;
        continue;
      }
      const c = text.charCodeAt(i);
      switch (c) {
        case 0x0a:
          this.#line++;
          break;
        case 0x20:
        case 0x09:
        case 0x0d:
          break;
        case 0x22:
          if (this.#depth === 0) this.#garbage();
          else {
            this.#content();
            this.#inStr = true;
          }
          break;
        case 0x7b:
        case 0x5b:
          this.#open(c, i);
          break;
        case 0x7d:
        case 0x5d:
          this.#close(i);
          break;
        case 0x2c:
          this.#comma(i);
          break;
        case 0x3a:
          this.#colon(i);
          break;
        default:
          this.#content();
      }
      i++;
    }
    this.#seg.carry(text);
    this.#whole.carry(text);
  }

  end(): void {
    this.#text = '';
    if (this.#depth === 0) return;
    // Truncated input. The element being read is kept when it is complete (only closing brackets
    // are missing), else rejected; a single-row document is rejected; rows held for columns that
    // never came are rejected; and the cut is said, whatever it cost.
    const f = this.#frames[this.#frames.length - 1];
    if (f !== undefined && f.kind === Kind.Rows && this.#seg.on && (this.#seg.line !== 0 || f.depth < this.#depth)) {
      if (f.depth === this.#depth && !this.#inStr) this.#endElement(f, 0);
      else {
        const record = f.ctx === 'rest' ? this.#restRows + 1 : f.index + 1;
        this.router.reject(this.#seg.line || this.#line, record, 'malformed-json', 'input ends inside this element');
      }
    } else if (this.#whole.on) {
      this.router.reject(this.#whole.line, undefined, 'malformed-json', 'input ends inside this JSON document');
    }
    for (const fr of this.#frames) if (fr.pending !== undefined) this.#release(fr);
    this.router.notice(
      'input-truncated',
      `the input ends inside the JSON document that starts on line ${this.#docLine}: it was cut off; what came before the cut was read`,
      this.#line,
    );
    this.#depth = 0;
    this.#frames = [];
    this.#seg.reset();
    this.#whole.reset();
  }

  /** Stop early (an error was thrown): remove what is held on disk. */
  dispose(): void {
    for (const fr of this.#frames) fr.pending?.dispose();
  }

  /** Route the rows a REST table held for its columns (rejected when the columns never came). */
  #release(table: Frame): void {
    const held = table.pending;
    if (held === undefined) return;
    table.pending = undefined;
    for (const p of held.drain())
      this.#parse(p.text, p.line, p.record, (v) => this.router.positional(v, table.columns, p.line, p.record));
  }

  /** A non-structural character (string start, literal, number) at the current position. */
  #content(): void {
    if (this.#depth === 0) {
      this.#garbage();
      return;
    }
    const f = this.#active();
    if (f === undefined) return;
    if (f.kind === Kind.Env && f.phase === Phase.Value && f.role !== 'meta' && f.role !== 'columns') {
      // `"records": null` and the like: not a row array after all.
      f.role = 'meta';
    }
    if (this.#seg.on && this.#seg.line === 0) this.#seg.line = this.#line;
  }

  #garbage(): void {
    this.router.reject(this.#line, undefined, 'malformed-json', 'text outside any JSON document');
    this.#skipLine = true;
  }

  #open(c: number, i: number): void {
    if (this.#depth === 0) {
      this.#depth = 1;
      this.#restRows = 0;
      this.#docLine = this.#line;
      if (c === 0x7b) {
        this.#frames.push(frame(Kind.Env, 1, true, 'records'));
        this.#whole.begin(i);
        this.#whole.line = this.#line;
        this.#seg.begin(i + 1);
      } else {
        this.#frames.push(frame(Kind.Rows, 1, false, 'array'));
        this.router.container = true;
        this.#seg.begin(i + 1);
      }
      return;
    }
    const f = this.#active();
    if (f !== undefined) {
      if (
        f.kind === Kind.Env &&
        f.phase === Phase.Value &&
        c === 0x5b &&
        (f.role === 'records' || f.role === 'results' || f.role === 'tables' || f.role === 'rest')
      ) {
        this.#seg.reset();
        f.phase = Phase.Skip;
        if (f.top) this.#whole.reset(); // an envelope: never hold the whole document
        this.router.container = true;
        this.#depth++;
        if (f.role === 'tables') this.#frames.push(frame(Kind.Tables, this.#depth, false, 'rest'));
        else {
          this.#frames.push(frame(Kind.Rows, this.#depth, false, f.role === 'rest' ? 'rest' : f.role, f));
          this.#seg.begin(i + 1);
        }
        return;
      }
      if (f.kind === Kind.Tables) {
        this.#depth++;
        if (c === 0x7b) {
          this.#frames.push(frame(Kind.Env, this.#depth, false, 'rest'));
          this.#seg.begin(i + 1);
        }
        return;
      }
      this.#content();
    }
    this.#depth++;
  }

  #close(i: number): void {
    if (this.#depth === 0) {
      this.#garbage();
      return;
    }
    const f = this.#active();
    if (f === undefined) {
      this.#depth--;
      return;
    }
    if (f.kind === Kind.Rows) this.#endElement(f, i);
    else if (f.kind === Kind.Env) this.#endMember(f, i);
    this.#frames.pop();
    this.#depth--;
    if (f.kind === Kind.Env && f.top && this.#whole.on) {
      const text = this.#whole.text(this.#text, i + 1);
      const line = this.#whole.line;
      this.#whole.reset();
      if (text === undefined)
        this.router.reject(line, undefined, 'line-too-long', `JSON document is longer than ${this.maxBytes} bytes`);
      else this.#parse(text, line, undefined, (v) => this.router.value(v, line, undefined));
    } else if (f.kind === Kind.Env && !f.top && f.pending !== undefined) {
      this.#release(f);
    }
    if (this.#depth === 0) {
      this.#seg.reset();
      this.#whole.reset();
    }
  }

  #comma(i: number): void {
    const f = this.#active();
    if (f === undefined) return;
    if (f.kind === Kind.Rows) {
      this.#endElement(f, i);
      this.#seg.begin(i + 1);
    } else if (f.kind === Kind.Env) {
      this.#endMember(f, i);
      f.phase = Phase.Key;
      f.role = 'meta';
      this.#seg.begin(i + 1);
    }
  }

  #colon(i: number): void {
    const f = this.#active();
    if (f === undefined || f.kind !== Kind.Env || f.phase !== Phase.Key) return;
    const keyText = this.#seg.on ? this.#seg.text(this.#text, i) : undefined;
    let key = '';
    if (keyText !== undefined) {
      try {
        const k: unknown = JSON.parse(keyText);
        if (typeof k === 'string') key = k.toLowerCase();
      } catch {
        key = '';
      }
    }
    f.phase = Phase.Value;
    f.role = f.top
      ? key === 'records' || key === 'results' || key === 'tables'
        ? key
        : 'meta'
      : key === 'rows'
        ? 'rest'
        : key === 'columns'
          ? 'columns'
          : 'meta';
    if (f.role === 'columns') this.#seg.begin(i + 1);
    else this.#seg.reset();
  }

  #endMember(f: Frame, i: number): void {
    if (f.phase === Phase.Value && f.role === 'columns' && this.#seg.on) {
      const text = this.#seg.text(this.#text, i);
      if (text !== undefined) {
        try {
          f.columns = columnNames(parseJsonExact(text));
        } catch {
          f.columns = undefined;
        }
      }
      if (f.columns !== undefined && f.pending !== undefined) this.#release(f);
    }
    this.#seg.reset();
  }

  #endElement(f: Frame, i: number): void {
    const seg = this.#seg;
    if (!seg.on) return;
    if (seg.line === 0 && !seg.tooLong) {
      seg.reset();
      return;
    }
    const line = seg.line || this.#line;
    const record = f.ctx === 'rest' ? ++this.#restRows : ++f.index;
    const text = seg.text(this.#text, i);
    seg.reset();
    if (text === undefined) {
      this.router.reject(line, record, 'line-too-long', `element is longer than ${this.maxBytes} bytes`);
      return;
    }
    const table = f.table;
    if (f.ctx === 'rest' && table !== undefined && table.columns === undefined) {
      // `rows` before `columns`: hold this table's rows (as text, spilled to disk beyond a few MB)
      // until the columns arrive.
      table.pending ??= new RowSpill();
      table.pending.add(text, line, record);
      return;
    }
    this.#parse(text, line, record, (v) => {
      switch (f.ctx) {
        case 'array':
          this.router.value(v, line, record, true);
          break;
        case 'rest':
          this.router.positional(v, table?.columns, line, record);
          break;
        default:
          this.router.row(v, line, record, false);
      }
    });
  }

  #parse(text: string, line: number, record: number | undefined, use: (v: unknown) => void): void {
    let v: unknown;
    try {
      v = parseJsonExact(text);
    } catch (err) {
      this.router.reject(line, record, 'malformed-json', `not valid JSON: ${syntaxMessage(err)}`);
      return;
    }
    use(v);
  }
}
