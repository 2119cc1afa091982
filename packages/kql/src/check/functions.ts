import { equal, notSupported, regex, truth } from './runtime.js';
import { bin, datetimeDiff, PRIVATE_V4, replaceRegex, trimRegex } from './scalars.js';
import type { KElement } from './service.js';
import { functionName } from './syntax.js';
import {
  inRange,
  isEmpty,
  KDateTime,
  KDynamic,
  KTimespan,
  type KValue,
  mapped,
  parseAddress,
  parseCidr,
  parseJson,
  toLong,
  toReal,
  toStr,
  unwrap,
} from './values.js';

/**
 * A scalar function call of the subset: its arguments are evaluated on demand in the caller's row (`arg(i)`,
 * `args()`), `now` is the instant `now()` and `ago()` read.
 */
export function callFunction(
  e: KElement,
  argNodes: readonly KElement[],
  arg: (i: number) => KValue,
  args: () => KValue[],
  now: bigint,
): KValue {
  const name = functionName(e);
  switch (name) {
    case 'not': {
      const v = truth(arg(0));
      return v === null ? null : !v;
    }
    case 'isempty':
      return isEmpty(arg(0));
    case 'isnotempty':
      return !isEmpty(arg(0));
    case 'isnull':
      return unwrap(arg(0)) === null;
    case 'isnotnull':
      return unwrap(arg(0)) !== null;
    case 'strcat':
      return args().map(toStr).join('');
    case 'iff': {
      const c = truth(arg(0));
      return c === true ? arg(1) : arg(2);
    }
    case 'case': {
      for (let i = 0; i + 1 < argNodes.length; i += 2) if (truth(arg(i)) === true) return arg(i + 1);
      return arg(argNodes.length - 1);
    }
    case 'tolower':
      return toStr(arg(0)).toLowerCase();
    case 'toupper':
      return toStr(arg(0)).toUpperCase();
    case 'tostring':
      return toStr(arg(0));
    case 'tolong':
    case 'toint':
      return toLong(arg(0));
    case 'toreal':
      return toReal(arg(0));
    case 'todynamic':
    case 'parse_json':
      return parseJson(arg(0));
    case 'replace_string': {
      const [text, lookup, rewrite] = args().map(toStr) as [string, string, string];
      return lookup === '' ? text : text.split(lookup).join(rewrite);
    }
    case 'replace_regex': {
      const text = toStr(arg(0));
      const pattern = toStr(arg(1));
      const rewrite = toStr(arg(2));
      return replaceRegex(text, regex(pattern, argNodes[1] ?? e), rewrite);
    }
    case 'extract': {
      const re = regex(toStr(arg(0)), argNodes[0] ?? e);
      const group = toLong(arg(1));
      if (argNodes.length > 3) notSupported(e, 'extract with a type argument');
      const m = re.matcher(toStr(arg(2)));
      if (group === null || !m.find()) return '';
      const g = Number(group);
      if (g > m.groupCount()) return '';
      return m.group(g) ?? '';
    }
    case 'strlen':
      return [...toStr(arg(0))].length;
    case 'substring': {
      const chars = [...toStr(arg(0))];
      const start = Math.max(0, Number(toLong(arg(1)) ?? 0));
      const len = argNodes.length > 2 ? Number(toLong(arg(2)) ?? 0) : chars.length;
      return chars.slice(start, start + Math.max(0, len)).join('');
    }
    case 'indexof': {
      // indexof(source, lookup[, start[, length[, occurrence]]]): -1 when not found.
      const text = arg(0);
      if (unwrap(text) === null) return null;
      const source = toStr(text);
      const lookup = toStr(arg(1));
      let start = argNodes.length > 2 ? Number(toLong(arg(2)) ?? 0) : 0;
      if (start < 0) start = Math.max(0, source.length + start);
      const length = argNodes.length > 3 ? Number(toLong(arg(3)) ?? -1) : -1;
      const occurrence = argNodes.length > 4 ? Number(toLong(arg(4)) ?? 1) : 1;
      if (start > source.length || occurrence < 1) return -1;
      const end = length < 0 ? source.length : Math.min(source.length, start + length);
      let at = start - 1;
      for (let k = 0; k < occurrence; k++) {
        at = source.indexOf(lookup, at + 1);
        if (at < 0 || at + lookup.length > end) return -1;
      }
      return at;
    }
    case 'split': {
      const parts = toStr(arg(0)).split(toStr(arg(1)));
      if (argNodes.length > 2) {
        const i = Number(toLong(arg(2)) ?? -1);
        return new KDynamic(i >= 0 && i < parts.length ? [parts[i] as string] : []);
      }
      return new KDynamic(parts);
    }
    case 'trim': {
      const pattern = toStr(arg(0));
      const at = argNodes[0] ?? e;
      return trimRegex(toStr(arg(1)), regex(pattern, at), regex(`(?:${pattern})$`, at));
    }
    case 'ipv4_is_in_range':
    case 'ipv6_is_in_range': {
      const ip = parseAddress(toStr(arg(0)));
      const range = parseCidr(toStr(arg(1)));
      if (!ip || !range) return null;
      if (name === 'ipv4_is_in_range') return ip.family === 4 && range.family === 4 ? inRange(ip, range) : null;
      const r6 = range.family === 6 ? range : { ...mapped(range), prefix: range.prefix + 96 };
      return inRange(mapped(ip), r6);
    }
    case 'ipv4_is_private': {
      const ip = parseAddress(toStr(arg(0)));
      if (ip?.family !== 4) return null;
      return PRIVATE_V4.some((r) => inRange(ip, r));
    }
    case 'bin':
      return bin(arg(0), arg(1));
    case 'now':
      return new KDateTime(now);
    case 'ago': {
      const t = arg(0);
      if (!(t instanceof KTimespan)) return null;
      return new KDateTime(now - t.ticks);
    }
    case 'datetime_diff':
      return datetimeDiff(toStr(arg(0)), arg(1), arg(2), e);
    case 'coalesce': {
      for (const v of args()) if (!isEmpty(v)) return v;
      return args().at(-1) ?? null;
    }
    case 'array_length': {
      const v = arg(0);
      return v instanceof KDynamic && Array.isArray(v.value) ? v.value.length : null;
    }
    case 'set_has_element': {
      const set = arg(0);
      const value = arg(1);
      if (!(set instanceof KDynamic) || !Array.isArray(set.value)) return null;
      return set.value.some((j) => equal(new KDynamic(j), value, false) === true);
    }
    case 'tohex': {
      const n = toLong(arg(0));
      if (n === null) return null;
      // Negative numbers as their 64-bit two's complement, lower case, padded to the minimum length.
      const hex = BigInt.asUintN(64, BigInt(n)).toString(16);
      const min = argNodes.length > 1 ? Number(toLong(arg(1)) ?? 0) : 0;
      return hex.padStart(min, '0');
    }
    case 'binary_and':
    case 'binary_shift_right': {
      const a = toLong(arg(0));
      const b = toLong(arg(1));
      if (a === null || b === null) return null;
      const r =
        name === 'binary_and'
          ? BigInt.asIntN(64, BigInt(a) & BigInt(b))
          : BigInt.asIntN(64, BigInt(a) >> BigInt(Math.max(0, Math.min(63, Number(b)))));
      return toLong(r.toString());
    }
    case 'base64_encode_tostring':
      return Buffer.from(toStr(arg(0)), 'utf8').toString('base64');
    default:
      return notSupported(e, `function ${name}`);
  }
}
