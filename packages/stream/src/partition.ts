/**
 * Which partition a key goes to: the one hash every adapter and the re-keying stage share, so that a
 * device's rows land in one partition whatever broker carries them.
 */

/** The key rows without a `DeviceId` are published under (they still reach a partition; see `rekey`). */
export const NO_DEVICE_KEY = '(no DeviceId)';

const encoder = new TextEncoder();

/**
 * The partition of `key` among `partitions`: FNV-1a (32 bit) over the key's UTF-8 bytes, as an unsigned
 * integer, modulo `partitions`. Stable across processes, platforms and releases (the partitions of a
 * running deployment depend on it); `partitionOf('', n)` is `2166136261 % n`.
 *
 * ```ts
 * partitionOf('3db402e9217f30248e26406c0a48094b00a0062e', 4); // → the same number in every adapter
 * ```
 */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RangeError(`partitionOf: partitions must be a positive integer, got ${String(partitions)}`);
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
