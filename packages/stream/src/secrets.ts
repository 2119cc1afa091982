/**
 * Keeping broker secrets out of errors and health lines. Connection strings carry keys
 * (`SharedAccessKey=…` of Event Hubs, `AccountKey=…` of Storage), SAS URLs carry `sig=…`, Kafka
 * configurations carry SASL passwords: an adapter passes every message it surfaces through `redact`,
 * with the secrets it was given.
 */

/** What a secret is replaced with. */
export const REDACTED = '***';

/** `name=value` pairs whose value is a secret, matched case-insensitively (`;`, `&`, space or quote ends the value). */
const SECRET_NAMES = [
  'sharedaccesskey',
  'sharedaccesssignature',
  'accountkey',
  'sig',
  'password',
  'sasl.password',
  'sasl.oauthbearer.client.secret',
  'ssl.key.password',
];

const isNameChar = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_.-]$/.test(c);
const endsValue = (c: string): boolean => c === ';' || c === '&' || c === '"' || c === "'" || c === ',' || /\s/.test(c);

/**
 * `text` with every given secret (a literal of 4 characters or more) and every value of a secret-named
 * pair replaced by `***`. Linear in the length of `text` for each name (plain scans, no regular
 * expression over the text).
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (typeof secret === 'string' && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const name of SECRET_NAMES) out = redactPairs(out, name);
  return out;
}

function redactPairs(text: string, name: string): string {
  const lower = text.toLowerCase();
  const needle = `${name}=`;
  let from = 0;
  let out = '';
  for (;;) {
    const at = lower.indexOf(needle, from);
    if (at < 0) break;
    const valueStart = at + needle.length;
    if (isNameChar(text[at - 1])) {
      out += text.slice(from, valueStart);
      from = valueStart;
      continue;
    }
    let end = valueStart;
    while (end < text.length && !endsValue(text[end]!)) end++;
    out += text.slice(from, valueStart) + (end > valueStart ? REDACTED : '');
    from = end;
  }
  return out + text.slice(from);
}

/** The secrets of an Event Hubs / Storage connection string (its key or signature), for `redact`. */
export function connectionStringSecrets(connectionString: string | undefined): string[] {
  if (!connectionString) return [];
  const secrets: string[] = [];
  for (const part of connectionString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (SECRET_NAMES.includes(name)) secrets.push(part.slice(eq + 1));
  }
  return secrets;
}

/** The message of an unknown thrown value, redacted. */
export function redactedMessage(error: unknown, secrets: readonly (string | undefined)[] = []): string {
  const message = error instanceof Error ? error.message : String(error);
  return redact(message, secrets);
}
