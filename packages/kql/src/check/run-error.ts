import type { KElement } from './service.js';

/** A query the interpreter cannot run: a construct outside the subset, or a query that does not bind. */
export class KqlRunError extends Error {
  readonly start: number;
  readonly length: number;
  constructor(message: string, at?: KElement) {
    super(message);
    this.name = 'KqlRunError';
    this.start = at?.TextStart ?? 0;
    this.length = at?.Width ?? 0;
  }
}
