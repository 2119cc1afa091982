// A narrative bound to the evidence, offline: analyse the wazuh1 export, ask an OpenAI-compatible
// endpoint for a narrative, and render the Markdown report with it. The endpoint here is a scripted
// stand-in on 127.0.0.1 (node:http, a free port) that answers what a model might: mostly true
// sentences, one invented address. The validator keeps the first and rejects the second.
//
//   node narrate.mjs [OUT_FILE]      (after `npm run build` at the repository root)
//
// With a real endpoint, replace the scripted server by its URL (and the key in OPENAI_API_KEY), or use
// the CLI: tripline analyze events.ndjson --narrate --llm-url http://127.0.0.1:11434/v1 --llm-model llama3.1
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { analyze, fromFile } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { narrate, openAICompatible } from '@tripline/narrative';
import { renderMarkdown } from '@tripline/reporter-markdown';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** What the scripted model answers: sentences citing fact ids of the wazuh1 fact sheet. */
export const SCRIPTED_ANSWER = {
  summary: [
    { text: 'tripline analysed 53 events from 1 device and raised 15 alerts.', cites: ['F2', 'F5', 'F8'] },
    {
      text: 'The most severe alert, A1, is of high severity and maps to T1133 External Remote Services.',
      cites: ['A1.severity', 'A1.mitre'],
    },
  ],
  alerts: [
    {
      alertId: 'A1',
      sentences: [
        {
          text: 'The device wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net is seen at public address 52.186.168.241.',
          cites: ['A1.device', 'A1.value.publicIp'],
        },
        // Invented: no fact holds this address, so the validator rejects the sentence.
        { text: 'The attacker connected from 203.0.113.77.', cites: ['A1.device'] },
      ],
    },
  ],
};

/**
 * A scripted OpenAI-compatible Chat Completions server on 127.0.0.1 (port 0): every request gets
 * {@link SCRIPTED_ANSWER}. Resolves to its API base URL and a `close()`.
 */
export async function scriptedEndpoint() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-example',
          object: 'chat.completion',
          created: 0,
          model: 'scripted-example-model',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: JSON.stringify(SCRIPTED_ANSWER) },
              finish_reason: 'stop',
            },
          ],
        }),
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Analyse the wazuh1 export, narrate it through `baseURL` (default: a scripted endpoint started here),
 * and return the narrated result and its Markdown report.
 *
 * @param {{ baseURL?: string, model?: string, generatedAt?: string }} [options]
 */
export async function main(options = {}) {
  const generatedAt = options.generatedAt ?? '2025-11-12T09:00:36Z';
  const result = await analyze(fromFile(here('../wazuh1/events.ndjson')), {
    detectors: defenderDetectors,
    generatedAt,
  });
  const endpoint = options.baseURL === undefined ? await scriptedEndpoint() : undefined;
  try {
    const provider = openAICompatible({
      baseURL: options.baseURL ?? endpoint.baseURL,
      model: options.model ?? 'scripted-example-model',
      // The key comes from the environment (OPENAI_API_KEY by default); the scripted endpoint needs none.
      timeoutMs: 30_000,
    });
    const narrative = await narrate(result, { provider, now: () => new Date(generatedAt) });
    const narrated = { ...result, narrative };
    return { result: narrated, markdown: renderMarkdown(narrated) };
  } finally {
    await endpoint?.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { result, markdown } = await main();
  const { stats } = result.narrative;
  const out = process.argv[2] ?? here('./report.md');
  await writeFile(out, markdown);
  console.log(
    `narrative by ${result.narrative.model}: ${stats.kept} of ${stats.sentences} sentences kept, ${stats.rejected} rejected; report written to ${out}`,
  );
}
