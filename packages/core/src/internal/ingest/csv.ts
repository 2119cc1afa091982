import { isUncataloguedColumn } from './infer.js';
import type { TextReader } from './lines.js';
import { CSV_NULLS, type Router } from './route.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Log Analytics CSV exports suffix datetime headers with ` [UTC]`. */
const UTC_SUFFIX = ' [UTC]';

function headerName(raw: string): string {
  const name = raw.trim();
  return name.endsWith(UTC_SUFFIX) ? name.slice(0, -UTC_SUFFIX.length).trimEnd() : name;
}

/**
 * Streaming RFC 4180 reader (Defender portal and Log Analytics exports): `""` escapes, newlines in
 * quoted fields, CRLF, LF or CR alone (Excel's "CSV (Macintosh)"). The first non-blank record is the header. A record's line is the line
 * it starts on. Only the current record is held, and a record longer than `maxBytes` is dropped as
 * it streams by (`line-too-long`).
 */
export class CsvReader implements TextReader {
  #header: string[] | undefined;
  #fields: string[] = [];
  #parts: string[] = [];
  #partChars = 0;
  #fieldStart = 0;
  #atFieldStart = true;
  #quoted = false;
  #inQuotes = false;
  #recordChars = 0;
  #tooLong = false;
  #line = 1;
  #recordLine = 1;
  /** The last character of the previous chunk was a CR outside quotes: a record ends unless LF follows. */
  #cr = false;

  constructor(
    private readonly router: Router,
    private readonly maxBytes: number,
  ) {}

  push(text: string): void {
    const n = text.length;
    if (this.#cr && n > 0) {
      this.#cr = false;
      // A CR alone ended the record held from the previous chunk (its CR is dropped with the field).
      if (text.charCodeAt(0) !== LF) this.#recordEnd('', 0);
    }
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.#inQuotes) {
        if (c === QUOTE) this.#inQuotes = false;
        else if (c === LF) this.#line++;
        continue;
      }
      if (this.#atFieldStart) {
        this.#atFieldStart = false;
        this.#fieldStart = i;
        this.#quoted = false;
        if (c === QUOTE) {
          this.#quoted = true;
          this.#inQuotes = true;
          continue;
        }
      }
      if (c === COMMA) {
        this.#endField(text, i, false);
        this.#atFieldStart = true;
      } else if (c === LF) {
        this.#recordEnd(text, i);
      } else if (c === CR) {
        if (i + 1 >= n) this.#cr = true;
        else if (text.charCodeAt(i + 1) !== LF) this.#recordEnd(text, i);
      } else if (c === QUOTE && this.#quoted) {
        // `""` inside a quoted field (or a stray quote after it): back inside the quotes.
        this.#inQuotes = true;
      }
    }
    if (!this.#atFieldStart) {
      const piece = text.slice(this.#fieldStart);
      this.#fieldStart = 0;
      if (!this.#tooLong) {
        this.#partChars += piece.length;
        if (this.#recordChars + this.#partChars > this.maxBytes) this.#overflow();
        else this.#parts.push(piece);
      }
    }
  }

  #recordEnd(text: string, end: number): void {
    this.#endField(text, end, true);
    this.#endRecord();
    this.#line++;
    this.#recordLine = this.#line;
    this.#atFieldStart = true;
  }

  end(): void {
    this.#cr = false;
    if (this.#inQuotes) {
      this.router.reject(this.#recordLine, undefined, 'malformed-csv', 'input ends inside a quoted field');
      this.#reset();
      return;
    }
    if (!this.#atFieldStart) this.#endField('', 0, true);
    else if (this.#fields.length > 0) this.#fields.push(''); // `…,` at the very end: an empty last field
    if (this.#fields.length > 0 || this.#tooLong) this.#endRecord();
  }

  #overflow(): void {
    this.#tooLong = true;
    this.#parts = [];
    this.#partChars = 0;
    this.#fields = [];
  }

  #endField(text: string, end: number, recordEnd: boolean): void {
    const last = text.slice(this.#fieldStart, end);
    if (this.#tooLong) {
      this.#atFieldStart = true;
      this.#fields.push('');
      return;
    }
    const raw = this.#parts.length > 0 ? this.#parts.join('') + last : last;
    this.#parts = [];
    this.#partChars = 0;
    this.#recordChars += raw.length + 1;
    if (this.#recordChars > this.maxBytes) {
      this.#overflow();
      this.#fields.push('');
      return;
    }
    let value: string;
    if (this.#quoted) {
      const close = raw.lastIndexOf('"');
      const inner = raw.slice(1, close > 0 ? close : raw.length);
      value = inner.includes('""') ? inner.replaceAll('""', '"') : inner;
    } else {
      value = recordEnd && raw.charCodeAt(raw.length - 1) === 0x0d ? raw.slice(0, -1) : raw;
    }
    this.#fields.push(value);
  }

  #reset(): void {
    this.#fields = [];
    this.#parts = [];
    this.#partChars = 0;
    this.#recordChars = 0;
    this.#tooLong = false;
  }

  #endRecord(): void {
    const fields = this.#fields;
    const line = this.#recordLine;
    const tooLong = this.#tooLong;
    const blank = fields.length === 1 && fields[0] === '' && !this.#quoted;
    this.#reset();
    if (tooLong) {
      this.router.reject(line, undefined, 'line-too-long', `CSV record is longer than ${this.maxBytes} bytes`);
      return;
    }
    if (blank) return;
    const header = this.#header;
    if (header === undefined) {
      this.#header = fields.map(headerName);
      // A header naming a catalogued column makes this an export, even with no record after it.
      if (this.#header.some((name) => !isUncataloguedColumn(name))) this.router.container = true;
      return;
    }
    if (fields.length !== header.length) {
      this.router.reject(
        line,
        undefined,
        'malformed-csv',
        `record has ${fields.length} fields, the header has ${header.length}`,
      );
      return;
    }
    const row: Record<string, unknown> = {};
    for (let j = 0; j < header.length; j++) {
      const name = header[j] as string;
      if (name !== '__proto__') row[name] = fields[j];
    }
    this.router.row(row, line, undefined, false, CSV_NULLS);
  }
}
