/**
 * Promises kept by key, at most `max`, the least recently used dropped first. A kept one is reused while its
 * `version` is the same; one that fails, or whose value `keep` refuses, is dropped once it settles.
 */
export function keptPromises<K, V>(max: number, keep: (value: V) => boolean = () => true) {
  const kept = new Map<K, { version: unknown; value: Promise<V> }>();
  return (key: K, version: unknown, make: () => Promise<V>): Promise<V> => {
    const held = kept.get(key);
    // Re-inserted on use, so the map's order is least recently used first.
    kept.delete(key);
    const entry = held && held.version === version ? held : { version, value: make() };
    kept.set(key, entry);
    if (kept.size > max) kept.delete(kept.keys().next().value!);
    const drop = () => kept.get(key) === entry && kept.delete(key);
    entry.value.then((value) => keep(value) || drop(), drop);
    return entry.value;
  };
}
