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
 *   - the Narrative validates against core's `narrativeSchema`, and the Markdown report renders with it;
 *   - in JSON mode (`json_object`), every answer is complete JSON and the Narrative stays valid.
 *
 * The model is random: its sentences are meaningless by construction. What this proves is the plumbing
 * against a real decoder, not quality. It prints its figures and writes them to `.tmp/e2e.json` beside it.
 *
 * Environment: TRIPLINE_LLM_E2E_RUNS (seeds, default 5), TRIPLINE_LLM_E2E_BUDGET_S (whole-run time budget,
 * default 900), TRIPLINE_LLM_E2E_THREADS (llama.cpp threads, default 1).
 */
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
const MAX_TOKENS = 2048;

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

mkdirSync(here('./.tmp'), { recursive: true });
const modelPath = here('./.tmp/tiny.gguf');
let t = performance.now();
writeFileSync(modelPath, makeTinyGguf({ seed: 1 }));
const figures = { model: { bytes: statSync(modelPath).size, writeSeconds: seconds(t) } };

t = performance.now();
const server = await startServer({ modelPath, threads: THREADS, contextSize: 16384, maxTokens: MAX_TOKENS });
figures.server = { startSeconds: seconds(t), modelLoadMs: Math.round(server.loadMs), url: server.url };
say(`model ${figures.model.bytes} bytes; server up in ${figures.server.startSeconds} s at ${server.url}`);

const events = here('../../examples/wazuh1/events.ndjson');
const result = await core.analyze(core.fromFile(events), {
  detectors: defenderDetectors,
  generatedAt: '2025-11-12T09:00:36Z',
});
say(`wazuh1: ${result.alerts.length} alerts; narrating the first ${MAX_ALERTS}`);

const ajv = new Ajv({ strict: false, allErrors: true });
const sheet = narrative.buildFactSheet(result, { maxAlerts: MAX_ALERTS });
const plainMarkdown = renderMarkdown(result);
/** Since report contract 1.3 a result carries its narrative, and the Markdown report shows it. */
const [major, minor] = String(core.REPORT_SCHEMA_VERSION).split('.').map(Number);
const contractHasNarrative = major > 1 || (major === 1 && minor >= 3);
const runs = [];
const failures = [];
try {
  for (let seed = 1; seed <= RUNS; seed++) {
    server.setSeed(seed);
    const before = server.exchanges.length;
    // Odd seeds ask for a JSON answer, even seeds for a streamed (SSE) one: both paths of the client.
    const stream = seed % 2 === 0;
    const provider = narrative.openAICompatible({
      baseURL: server.url,
      model: 'tripline-tiny',
      structured: 'json_schema',
      temperature: 1,
      stream,
      timeoutMs: BUDGET_S * 1000,
      maxRetries: 0,
      env: {},
    });
    t = performance.now();
    const story = await narrative.narrate(result, { provider, audience: 'executive', maxAlerts: MAX_ALERTS });
    const wall = seconds(t);
    const exchanges = server.exchanges.slice(before);
    const problems = [];

    // 1. Every answer schema-valid, against the schema the client sent, and complete.
    const answers = exchanges.map((ex) => {
      if (ex.kind !== 'json_schema') problems.push(`the client asked for ${ex.kind}, not json_schema`);
      let parsed;
      let valid = false;
      try {
        parsed = JSON.parse(ex.content);
        valid = ex.finishReason === 'stop' && ajv.compile(ex.schema)(parsed) === true;
      } catch {
        valid = false;
      }
      if (!valid) problems.push(`answer not schema-valid (${ex.finishReason}): ${ex.content.slice(0, 200)}`);
      return valid ? parsed : undefined;
    });

    // 2. The Narrative is a valid record of the report contract.
    const checked = core.narrativeSchema.safeParse(story);
    if (!checked.success) problems.push(`narrativeSchema: ${checked.error.message.slice(0, 500)}`);

    // 3. The validator ran: the kept sentences pass it again, every sentence of the answer used is kept or
    //    rejected with reasons, and a kept sentence is one the model wrote.
    const fromModel = [
      ...(story.summary.source === 'model' ? story.summary.sentences : []),
      ...story.alerts.flatMap((a) => a.sentences),
    ];
    for (const v of narrative.validateSentences(fromModel, sheet)) {
      if (!v.kept)
        problems.push(`a kept sentence fails the validator: ${JSON.stringify(v.text)} (${v.reasons.join('; ')})`);
    }
    const sentencesOf = (a) => [...a.summary, ...a.alerts.flatMap((x) => x.sentences)];
    const used = answers.filter((a) => a !== undefined).at(-1);
    const written = answers.filter((a) => a !== undefined).flatMap(sentencesOf);
    for (const s of fromModel) {
      if (!written.some((w) => w.text.trim() === s.text))
        problems.push(`kept but not written: ${JSON.stringify(s.text)}`);
    }
    if (used && fromModel.length + story.rejected.length < sentencesOf(used).length) {
      problems.push(
        `sentences unaccounted for: the answer has ${sentencesOf(used).length}, ${fromModel.length} kept, ${story.rejected.length} rejected`,
      );
    }
    if (story.rejected.some((r) => r.reasons.length === 0)) problems.push('a rejected sentence without a reason');
    if (story.stats.kept !== fromModel.length || story.stats.rejected !== story.rejected.length) {
      problems.push(`stats disagree: ${JSON.stringify(story.stats)}`);
    }

    // 4. The Markdown report renders with it; where the reporter shows narratives, no rejected text is shown.
    const markdown = renderMarkdown({ ...result, narrative: story });
    const showsNarrative = markdown !== plainMarkdown;
    if (contractHasNarrative && !(showsNarrative && markdown.includes('tripline-tiny'))) {
      problems.push(
        `report contract ${core.REPORT_SCHEMA_VERSION} carries the narrative, the Markdown report does not show it`,
      );
    }
    if (showsNarrative) {
      for (const r of story.rejected) {
        const text = r.text.trim();
        if (text.length >= 5 && !plainMarkdown.includes(text) && markdown.includes(text)) {
          problems.push(`a rejected sentence reached the report: ${JSON.stringify(text)}`);
        }
      }
    }
    writeFileSync(here(`./.tmp/report-seed${seed}.md`), markdown);
    writeFileSync(here(`./.tmp/narrative-seed${seed}.json`), `${JSON.stringify(story, null, 2)}\n`);

    const run = {
      seed,
      stream,
      seconds: wall,
      calls: exchanges.length,
      callSeconds: exchanges.map((ex) => Number(ex.seconds.toFixed(2))),
      promptTokens: exchanges.map((ex) => ex.promptTokens),
      completionTokens: exchanges.map((ex) => ex.completionTokens),
      schemaValid: answers.filter((a) => a !== undefined).length,
      written: written.length,
      kept: fromModel.length,
      rejected: story.rejected.length,
      retries: story.stats.retries,
      summarySource: story.summary.source,
      markdownShowsNarrative: showsNarrative,
      rejectionReasons: [
        ...new Set(story.rejected.flatMap((r) => r.reasons.map((x) => x.replace(/"[^"]*"/g, '"…"')))),
      ].sort(),
      problems,
    };
    runs.push(run);
    say(
      `seed ${seed}${stream ? ' (SSE)' : ''}: ${run.calls} call(s) in ${run.seconds} s, ${run.schemaValid}/${run.calls} schema-valid; ` +
        `${run.written} sentences written, ${run.kept} kept, ${run.rejected} rejected; summary from ${run.summarySource}`,
    );
    for (const p of problems) failures.push(`seed ${seed}: ${p}`);
  }

  // JSON mode (`structured: 'json_object'`, for servers without json_schema): the server applies node-llama-cpp's
  // JSON grammar and the client only describes the schema in the prompt. Every answer must be a complete
  // JSON value; whether it fits the answer schema is the client's check, and the record must stay valid.
  server.setSeed(RUNS + 1);
  const before = server.exchanges.length;
  const jsonMode = narrative.openAICompatible({
    baseURL: server.url,
    model: 'tripline-tiny',
    structured: 'json_object',
    temperature: 1,
    timeoutMs: BUDGET_S * 1000,
    maxRetries: 0,
    env: {},
  });
  t = performance.now();
  const story = await narrative.narrate(result, { provider: jsonMode, audience: 'executive', maxAlerts: MAX_ALERTS });
  const exchanges = server.exchanges.slice(before);
  const complete = exchanges.filter((ex) => {
    if (ex.kind !== 'json_object' || ex.finishReason !== 'stop') return false;
    try {
      JSON.parse(ex.content);
      return true;
    } catch {
      return false;
    }
  });
  figures.jsonMode = {
    seed: RUNS + 1,
    seconds: seconds(t),
    calls: exchanges.length,
    completeJson: complete.length,
    fitAnswerSchema: complete.filter((ex) => narrative.parseAnswer(ex.content) !== undefined).length,
    summarySource: story.summary.source,
    rejected: story.rejected.length,
  };
  say(
    `json_object mode: ${exchanges.length} call(s) in ${figures.jsonMode.seconds} s, ${complete.length} complete JSON, ` +
      `${figures.jsonMode.fitAnswerSchema} fit the answer schema; summary from ${story.summary.source}`,
  );
  if (exchanges.length === 0 || complete.length !== exchanges.length) {
    failures.push('json_object mode: an answer was not complete JSON');
  }
  if (!core.narrativeSchema.safeParse(story).success)
    failures.push('json_object mode: the Narrative fails narrativeSchema');
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
  secondsPerCall:
    callSeconds.length === 0 ? 0 : Number((callSeconds.reduce((a, b) => a + b, 0) / callSeconds.length).toFixed(2)),
  written: runs.reduce((n, r) => n + r.written, 0),
  kept: runs.reduce((n, r) => n + r.kept, 0),
  rejected: runs.reduce((n, r) => n + r.rejected, 0),
};
writeFileSync(here('./.tmp/e2e.json'), `${JSON.stringify(figures, null, 2)}\n`);
say(
  `${valid}/${calls} answers schema-valid over ${runs.length} seeds; ${figures.total.secondsPerCall} s per call; ` +
    `${figures.total.kept} sentences kept, ${figures.total.rejected} rejected; ${figures.total.seconds} s in all (figures in e2e/llm/.tmp/e2e.json)`,
);
if (calls === 0) failures.push('no request reached the server');
if (failures.length > 0) {
  for (const f of failures) process.stderr.write(`e2e/llm: FAILED: ${f}\n`);
  process.exit(1);
}
say('passed');
process.exit(0);
