/**
 * `@tripline/state`: stores for incremental runs (`createAnalyzer({ state: { store } })`): a JSON file
 * for small bots and SQLite for everything else. The in-memory store and the `StateStore` contract are
 * in `@tripline/core`.
 */
export type { StateStore } from '@tripline/core';
export { jsonFileStateStore } from './json-file.js';
export { type SqliteDriverName, type SqliteStateStoreOptions, sqliteStateStore } from './sqlite.js';
