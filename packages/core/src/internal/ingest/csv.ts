import { flat } from '../model/event.js';
import { TABLE_COLUMNS, TABLE_NAMES } from '../model/tables.js';
import { isDisplayTime, isZonelessTime, type TimeZone } from '../model/time.js';
import { isUncataloguedColumn } from './infer.js';
import type { TextReader } from './lines.js';
import { CSV_NULLS, type Router } from './route.js';
import type { LocalTimeStats } from './types.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Log Analytics CSV exports label datetime headers ` [UTC]` or, when the portal shows local time, ` [Local Time]`. */
const UTC_SUFFIX = ' [utc]';
const LOCAL_SUFFIX = ' [local time]';

/** Datetime columns of the analysed tables: where the Defender portal writes its display dates. */
const DATETIME_COLUMNS: ReadonlySet<string> = new Set(
  TABLE_NAMES.flatMap((t) => Object.entries(TABLE_COLUMNS[t]).filter(([, type]) => type === 'datetime')).map(
    ([name]) => name,
  ),
);

/**
 * How a column's times are zoned: `utc` (labelled ` [UTC]`), `local` (labelled ` [Local Time]`: any
 * time without its own zone is local), `display` (an unlabelled datetime column: the portal's display
 * dates are in the portal's time zone setting, ISO times are as written), or undefined (not a time).
 */
type ColumnZone = 'utc' | 'local' | 'display' | undefined;

function headerColumn(raw: string): { name: string; zone: ColumnZone } {
  const name = raw.trim();
  // Compared on the lower-cased tail only: no regex over a header an attacker may make huge.
  const tail = name.slice(-LOCAL_SUFFIX.length).toLowerCase();
  if (tail.endsWith(UTC_SUFFIX)) return { name: name.slice(0, -UTC_SUFFIX.length).trimEnd(), zone: 'utc' };
  if (tail === LOCAL_SUFFIX) return { name: name.slice(0, -LOCAL_SUFFIX.length).trimEnd(), zone: 'local' };
  return { name, zone: DATETIME_COLUMNS.has(name) ? 'display' : undefined };
}

/**
 * Streaming RFC 4180 reader (Defender portal and Log Analytics exports): `""` escapes, newlines in
 * quoted fields, CRLF, LF or CR alone (Excel's "CSV (Macintosh)"). The first non-blank record is the header. A record's line is the line
 * it starts on. Only the current record is held, and a record longer than `maxBytes` is dropped as
 * it streams by (`line-too-long`).
 *
 * Times written in local time — columns labelled ` [Local Time]` (Log Analytics), display dates
 * such as `Oct 9, 2024 2:40:09 PM` in unlabelled datetime columns (Defender portal) — are converted
 * to UTC with `timeZone` when one is given, else left to be read as UTC; {@link localTimes} counts them.
 * A local time that never occurred in that zone (the hour skipped when clocks go forward) rejects its row.
 */
export class CsvReader implements TextReader {
  #header: string[] | undefined;
  /** Per header column: how its times are zoned; and the header's own spelling, for messages. */
  #zones: ColumnZone[] = [];
  #rawHeader: string[] = [];
  #localRows = 0;
  #ambiguousRows = 0;
  #labelled = false;
  readonly #localColumns = new Set<string>();
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
    private readonly timeZone?: TimeZone,
  ) {}

  /** What this input held in local time, or undefined when it held none. */
  get localTimes(): LocalTimeStats | undefined {
    if (this.#localRows === 0) return undefined;
    return {
      rows: this.#localRows,
      columns: [...this.#localColumns],
      labelled: this.#labelled,
      ...(this.timeZone ? { timezone: this.timeZone.name } : {}),
      ambiguousRows: this.#ambiguousRows,
    };
  }

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
    // A copy, not a view of the chunk: a value an event keeps must not keep the whole chunk alive.
    this.#fields.push(flat(value));
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
      const columns = fields.map(headerColumn);
      this.#header = columns.map((c) => c.name);
      this.#zones = columns.map((c) => c.zone);
      this.#rawHeader = fields.map((f) => f.trim());
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
    let local = false;
    let ambiguous = false;
    const zones = this.#zones;
    for (let j = 0; j < header.length; j++) {
      const name = header[j] as string;
      let value = fields[j] as string;
      const zone = zones[j];
      if ((zone === 'local' || zone === 'display') && value !== '' && value !== 'Invalid date') {
        const isLocal = zone === 'local' ? isZonelessTime(value) : isDisplayTime(value);
        if (isLocal) {
          local = true;
          this.#localColumns.add(this.#rawHeader[j] as string);
          if (zone === 'local') this.#labelled = true;
          if (this.timeZone !== undefined) {
            const read = this.timeZone.parse(value);
            if (read.kind === 'skipped') {
              this.router.reject(
                line,
                undefined,
                'invalid-timestamp',
                `${this.#rawHeader[j]} ${JSON.stringify(value.slice(0, 64))} never occurred in ${this.timeZone.name}: ` +
                  `the clocks skipped that hour (daylight-saving change); is ${this.timeZone.name} the time zone of this export?`,
              );
              return;
            }
            if (read.kind === 'ambiguous') ambiguous = true;
            if ('time' in read) value = read.time.iso;
          }
        }
      }
      if (name !== '__proto__') row[name] = value;
    }
    if (local) this.#localRows++;
    if (ambiguous) this.#ambiguousRows++;
    this.router.row(row, line, undefined, false, CSV_NULLS);
  }
}
