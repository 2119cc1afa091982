/**
 * The engine's group, device and dedupe records compressed: the JSON text of the record deflated
 * (raw DEFLATE, `node:zlib`) with a preset dictionary and written as base64 in `{ z }`. A group's evidence sample is whole
 * Defender rows, and most of a row is the same from row to row and group to group: column names and
 * the keys of `AdditionalFields` (on Linux and macOS its POSIX users and groups, about a kilobyte of
 * keys per row). The dictionary holds those names, so even a group of one row compresses well.
 *
 * The dictionary is part of the layout: changing it changes `ENGINE_STATE_VERSION`. The
 * compressed bytes are those of the zlib build of the running Node.js; what they hold, and so every
 * alert built from them, does not depend on it.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { JsonValue } from '../model/event.js';
import { TABLE_COLUMNS, TABLE_NAMES } from '../model/tables.js';

/** The POSIX part of `AdditionalFields` as advanced hunting writes it (JSON text inside a JSON string). */
function posixKeys(prefix: string): string {
  const user = (k: string) =>
    `\\"${prefix}${k}\\":{\\"Sid\\":\\"S-1-5-18\\",\\"Name\\":\\"root\\",\\"DomainName\\":\\"\\",\\"LogonId\\":0,\\"PosixUserId\\":0,\\"PrimaryPosixGroup\\":{\\"Name\\":\\"root\\",\\"PosixGroupId\\":0}}`;
  return [
    user('PosixEffectiveUser'),
    `\\"${prefix}PosixEffectiveGroup\\":{\\"Name\\":\\"root\\",\\"PosixGroupId\\":0}`,
    `\\"${prefix}PosixProcessGroupId\\":`,
    `\\"${prefix}PosixSessionId\\":`,
    `\\"${prefix}CurrentWorkingDirectory\\":\\"/\\"`,
    `\\"${prefix}PosixFilePermissions\\":[\\"None\\"]`,
    `\\"${prefix}PosixAttachedTerminal\\":\\"\\"`,
    user('PosixRealUser'),
  ].join(',');
}

/** Column names of every table, then the POSIX keys (zlib finds the end of a dictionary cheapest). */
const DICTIONARY = Buffer.from(
  [...new Set(TABLE_NAMES.flatMap((t) => Object.keys(TABLE_COLUMNS[t])))].map((c) => `"${c}":`).join('') +
    `"AdditionalFields":"{${posixKeys('InitiatingProcess')},${posixKeys('Process')}}"`,
  'utf8',
);

/** A record as saved: its JSON deflated with the dictionary, in base64. */
export interface PackedRecord {
  z: string;
}

/** A group, device or dedupe record → `{ z }`. */
export function packRecord(record: unknown): PackedRecord {
  const text = Buffer.from(JSON.stringify(record), 'utf8');
  return { z: deflateRawSync(text, { level: 6, dictionary: DICTIONARY }).toString('base64') };
}

/**
 * The text of frozen records inflated once: a store that keeps its records in memory between batches
 * (the stream runtime's partition store) hands out the same frozen object until the record changes.
 */
const INFLATED = new WeakMap<object, string>();

/**
 * A saved record as the engine reads it: `{ z }` inflated, or a record of the first layout (plain
 * JSON, engine records v1) as it is. A v1 record is never an object with a string `z` alone: groups
 * and devices have other keys, dedupe chunks are arrays.
 */
export function unpackRecord<T>(value: JsonValue): T {
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof value.z === 'string' &&
    Object.keys(value).length === 1
  ) {
    let text = Object.isFrozen(value) ? INFLATED.get(value) : undefined;
    if (text === undefined) {
      text = inflateRawSync(Buffer.from(value.z, 'base64'), { dictionary: DICTIONARY }).toString('utf8');
      if (Object.isFrozen(value)) INFLATED.set(value, text);
    }
    return JSON.parse(text) as T;
  }
  return value as unknown as T;
}
