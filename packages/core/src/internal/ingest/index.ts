/**
 * Ingestion: bytes of any supported export format in, normalised events and rejected rows out.
 * Readers (NDJSON lines, JSON documents, CSV) parse; one router turns each parsed value into an
 * event (table from the envelope, a naming column, or inference) or a rejection with its place.
 */
export { detectFormat } from './detect.js';
export { ingest } from './ingest.js';
export { fromFile, fromIterable, fromStream, fromString } from './sources.js';
