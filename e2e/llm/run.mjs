#!/usr/bin/env node
/**
 * The real-inference test of `@tripline/narrative` (opt-in: TRIPLINE_LLM_E2E=1; `npm run e2e:llm` installs
 * what it needs and sets it). It writes the tiny GGUF model, serves it with node-llama-cpp behind the
 * OpenAI-compatible loopback server, and runs the production client (`openAICompatible`, structured
 * `json_schema`) and `narrate()` over the wazuh1 example's result, once per seed. It checks:
 *
 *   - every answer the server gave is schema-valid JSON (against the schema the client sent) and ended on
 *     its own (not cut by `max_tokens`);
 *   - the validator ran: every sentence the model wrote is either kept or listed as rejected, and every kept
 *     sentence passes the validator again;
 *   - the Narrative validates against core's `narrativeSchema`, and the Markdown report renders with it.
 *
 * The model is random: its sentences are meaningless by construction. What this proves is the plumbing
 * against a real decoder, not quality. It prints its figures and writes them to `out/e2e.json`.
 *
 * Environment: TRIPLINE_LLM_E2E_RUNS (seeds, default 5), TRIPLINE_LLM_E2E_BUDGET_S (whole-run time budget,
 * default 900), TRIPLINE_LLM_E2E_THREADS (llama.cpp threads, default 1).
 */
import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (process.env.TRIPLINE_LLM_E2E !== '1') {
  process.stdout.write('e2e/llm: skipped (opt-in: set TRIPLINE_LLM_E2E=1, or run `npm run e2e:llm`)\n');
  process.exit(0);
}

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const RUNS = Number(process.env.TRIPLINE_LLM_E2E_RUNS ?? 5);
const BUDGET_S = Number(process.env.TRIPLINE_LLM_E2E_BUDGET_S ?? 900);
const THREADS = Number(process.env.TRIPLINE_LLM_E2E_THREADS ?? 1);
const MAX_ALERTS = 2;
const MAX_TOKENS = 1024;

// The whole run has a budget: past it, the test fails instead of hanging.
const budget = setTimeout(() => {
  process.stderr.write(`e2e/llm: FAILED: over the time budget of ${BUDGET_S} s\n`);
  process.exit(1);
}, BUDGET_S * 1000);
budget.unref();

const started = performance.now();
const seconds = (from) => Number(((performance.now() - from) / 1000).toFixed(2));
const say = (line) => process.stdout.write(`e2e/llm: ${line}\n`);

// The workspace packages, built (`npm run build`): what a user of the published packages gets.
const core = await import('../../packages/core/dist/index.js');
const { defenderDetectors } = await import('../../packages/detectors-defender/dist/index.js');
const { renderMarkdown } = await import('../../packages/reporter-markdown/dist/index.js');
const narrative = await import('../../packages/narrative/dist/index.js');
const { default: Ajv } = await import('ajv');
const { makeTinyGguf } = await import('./make-tiny-gguf.mjs');
const { startServer } = await import('./server.mjs');

mkdirSync(here('./out'), { recursive: true });
const modelPath = here('./out/tiny.gguf');
let t = performance.now();
writeFileSync(modelPath, makeTinyGguf({ seed: 1 }));
const figures = { model: { bytes: statSync(modelPath).size, writeSeconds: seconds(t) } };

t = performance.now();
const server = await startServer({ modelPath, threads: THREADS, contextSize: 16384 });
figures.server = { startSeconds: seconds(t), modelLoadMs: Math.round(server.loadMs), url: server.url };
say(`model ${figures.model.bytes} bytes; server up in ${figures.server.startSeconds} s at ${server.url}`);

const events = here('../../examples/wazuh1/events.ndjson');
const result = await core.analyze(core.fromFile(events), {
  detectors: defenderDetectors,
  generatedAt: '2025-11-12T09:00:36Z',
});
say(`wazuh1: ${result.alerts.length} alerts; narrating the first ${MAX_ALERTS}`);

const ajv = new Ajv({ strict: false, allErrors: true });
const runs = [];
let failed = false;
try {
  for (let seed = 1; seed <= RUNS; seed++) {
    server.setSeed(seed);
    const before = server.exchanges.length;
    const provider = narrative.openAICompatible({
      baseURL: server.url,
      model: 'tripline-tiny',
      structured: 'json_schema',
      maxTokens: MAX_TOKENS,
      temperature: 1,
      timeoutMs: BUDGET_S * 1000,
      maxRetries: 0,
    });
    t = performance.now();
    const story = await narrative.narrate(result, { provider, audience: 'executive', maxAlerts: MAX_ALERTS });
    const wall = seconds(t);
    const exchanges = server.exchanges.slice(before);

    // 1. Every answer schema-valid, against the schema the client sent, and complete.
    const answers = exchanges.map((ex) => {
      assert.equal(ex.kind, 'json_schema', 'the client asked for json_schema');
      const validate = ajv.compile(ex.schema);
      let parsed;
      let valid = false;
      try {
        parsed = JSON.parse(ex.content);
        valid = ex.finishReason === 'stop' && validate(parsed) === true;
      } catch {
        valid = false;
      }
      return { valid, parsed, ex };
    });

    // 2. The Narrative is a valid record of the report contract.
    const parsed = core.narrativeSchema.safeParse(story);
    assert.ok(parsed.success, `narrativeSchema: ${parsed.success ? '' : parsed.error.message}`);

    // 3. The validator ran: every sentence the model wrote is kept or rejected, and the kept ones pass again.
    const kept = [...story.summary.sentences, ...story.alerts.flatMap((a) => a.sentences)];
    const keptByModel = story.summary.source === 'model' ? kept : story.alerts.flatMap((a) => a.sentences);
    const written = answers.flatMap((a) =>
      a.parsed ? [...a.parsed.summary, ...a.parsed.alerts.flatMap((x) => x.sentences)] : [],
    );
    const lastAnswer = answers.at(-1)?.parsed;
    const lastWritten = lastAnswer ? [...lastAnswer.summary, ...lastAnswer.alerts.flatMap((x) => x.sentences)] : [];
    for (const s of keptByModel) {
      assert.ok(
        written.some((w) => w.text.trim() === s.text.trim()),
        `a kept sentence the model did not write: ${JSON.stringify(s.text)}`,
      );
    }
    assert.ok(
      keptByModel.length + story.rejected.length >= lastWritten.length,
      `sentences unaccounted for: ${lastWritten.length} written, ${keptByModel.length} kept, ${story.rejected.length} rejected`,
    );

    // 4. The Markdown report renders with it.
    const markdown = renderMarkdown({ ...result, narrative: story });
    assert.ok(markdown.length > 0);
    writeFileSync(here(`./out/report-seed${seed}.md`), markdown);

    const run = {
      seed,
      seconds: wall,
      calls: exchanges.length,
      callSeconds: exchanges.map((ex) => Number(ex.seconds.toFixed(2))),
      promptTokens: exchanges.map((ex) => ex.promptTokens),
      completionTokens: exchanges.map((ex) => ex.completionTokens),
      schemaValid: answers.filter((a) => a.valid).length,
      written: written.length,
      kept: keptByModel.length,
      rejected: story.rejected.length,
      summarySource: story.summary.source,
      rejectionReasons: [...new Set(story.rejected.flatMap((r) => r.reasons))].sort(),
    };
    runs.push(run);
    say(
      `seed ${seed}: ${run.calls} call(s) in ${run.seconds} s, ${run.schemaValid}/${run.calls} schema-valid; ` +
        `${run.written} sentences written, ${run.kept} kept, ${run.rejected} rejected; summary from ${run.summarySource}`,
    );
    if (run.schemaValid !== run.calls) failed = true;
  }
} finally {
  await server.close();
}

const calls = runs.reduce((n, r) => n + r.calls, 0);
const valid = runs.reduce((n, r) => n + r.schemaValid, 0);
const callSeconds = runs.flatMap((r) => r.callSeconds);
figures.runs = runs;
figures.total = {
  seconds: seconds(started),
  calls,
  schemaValid: valid,
  schemaValidShare: calls === 0 ? 0 : valid / calls,
  secondsPerCall: callSeconds.length === 0 ? 0 : Number((callSeconds.reduce((a, b) => a + b, 0) / callSeconds.length).toFixed(2)),
  written: runs.reduce((n, r) => n + r.written, 0),
  kept: runs.reduce((n, r) => n + r.kept, 0),
  rejected: runs.reduce((n, r) => n + r.rejected, 0),
};
writeFileSync(here('./out/e2e.json'), `${JSON.stringify(figures, null, 2)}\n`);
say(
  `${valid}/${calls} answers schema-valid over ${runs.length} seeds; ${figures.total.secondsPerCall} s per call; ` +
    `${figures.total.kept} sentences kept, ${figures.total.rejected} rejected; ${figures.total.seconds} s in all (figures in out/e2e.json)`,
);
if (failed || calls === 0) {
  process.stderr.write('e2e/llm: FAILED: an answer was not schema-valid\n');
  process.exit(1);
}
say('passed');
process.exit(0);
