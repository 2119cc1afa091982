/**
 * A worker thread of `checkKqlAll` (built as `dist/check-worker.js`): checks each query the main
 * thread sends and answers with its diagnostics and index.
 */
import { parentPort } from 'node:worker_threads';
import { type CheckKqlOptions, checkKql } from './check.js';

const port = parentPort;
port?.on('message', (job: { index: number; text: string; options: CheckKqlOptions }) => {
  try {
    port.postMessage({ index: job.index, diagnostics: checkKql(job.text, job.options) });
  } catch (error) {
    port.postMessage({ index: job.index, error: String((error as Error)?.message ?? error) });
  }
});
