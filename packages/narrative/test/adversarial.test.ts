import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGMENTS } from '../../../test/hardening/support/payloads.js';
import { type AnswerSentence, buildFactSheet, narrate, openAICompatible, validateSentences } from '../src/index.js';
import { GOOD_ALERTS, GOOD_SUMMARY } from './support/answers.js';
import { INJECTED_INSTRUCTIONS } from './support/injections.js';
import { goldenResult, hostileResult } from './support/result.js';
import { json, scriptedServer } from './support/server.js';

/**
 * The adversarial provider: sentences a model steered by attacker text (or simply wrong) could write,
 * each citing real facts. Every one must be rejected; none may reach the kept sentences of a Narrative.
 */
const SEED = 0x7219_1e;
const golden = goldenResult();
const sheet = buildFactSheet(golden, { maxAlerts: 5 });
const everything = sheet.facts.map((f) => `${String(f.value)}\n${f.text}`).join('\n');
const absent = (s: string) => !everything.toLowerCase().includes(s.toLowerCase());
const QUOTE_CHARS = '"“”‘’«»\'';

interface Case {
  readonly kind: string;
  readonly sentence: AnswerSentence;
  /** The event text the hostile result carries (for the echoed instructions), else the golden result is used. */
  readonly hostile?: string;
}

const invented: fc.Arbitrary<Case> = fc.oneof(
  fc
    .ipV4()
    .filter(absent)
    .map((ip) => ({
      kind: 'invented IPv4',
      sentence: { text: `A1 was seen at public address ${ip}.`, cites: ['A1.value.publicIp', 'A1.device'] },
    })),
  fc
    .ipV6()
    .filter((ip) => ip.includes(':') && absent(ip))
    .map((ip) => ({
      kind: 'invented IPv6',
      sentence: { text: `A1 reached ${ip} from the device.`, cites: ['A1.device'] },
    })),
  fc
    .tuple(
      fc.integer({ min: 0, max: 2_000_000 }).filter((n) => n !== 3),
      fc.constantFrom('digits', 'grouped', 'decimal', 'percent'),
    )
    .map(([n, form]) => {
      const written =
        form === 'grouped'
          ? n.toLocaleString('en-US')
          : form === 'decimal'
            ? `${n}.0`
            : form === 'percent'
              ? `${n}%`
              : String(n);
      return { kind: 'wrong count', sentence: { text: `A1 counts ${written} events.`, cites: ['A1.count'] } };
    }),
  fc
    .constantFrom(
      'zero',
      'one',
      'two',
      'four',
      'five',
      'ten',
      'twelve',
      'twenty',
      'forty',
      'forty-two',
      'ninety-nine',
      'hundred',
      'thousand',
      'once',
      'twice',
      'dozen',
    )
    .map((w) => ({
      kind: 'wrong count in words',
      sentence: { text: `A1 counts ${w} events in all.`, cites: ['A1.count'] },
    })),
  fc
    .integer({ min: 0, max: 1_000_000 })
    .filter((n) => n !== 53)
    .map((n) => ({ kind: 'wrong run count', sentence: { text: `tripline analysed ${n} events.`, cites: ['F2'] } })),
  fc
    .tuple(fc.integer({ min: 1000, max: 1999 }), fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined }))
    .map(([t, sub]) => `T${t}${sub === undefined ? '' : `.${String(sub).padStart(3, '0')}`}`)
    .filter((id) => !'T1133 External Remote Services'.includes(id))
    .map((id) => ({
      kind: 'ATT&CK id not in the facts',
      sentence: { text: `A1 maps to ${id} in ATT&CK.`, cites: ['A1.mitre', 'A1.severity'] },
    })),
  fc
    .webUrl({ withQueryParameters: true, withFragments: true })
    .map((url) => ({ kind: 'link', sentence: { text: `Details of A1 are at ${url} today.`, cites: ['A1.title'] } })),
  fc
    .webUrl()
    .map((url) => ({ kind: 'markdown link', sentence: { text: `A1 is [documented](${url}).`, cites: ['A1.title'] } })),
  fc
    .string({ minLength: 1, maxLength: 40 })
    .filter((s) => s.trim().length > 0 && ![...s].some((c) => QUOTE_CHARS.includes(c)) && absent(s))
    .map((s) => ({
      kind: 'quoted string not in the facts',
      sentence: { text: `The title of A1 reads "${s}" in full.`, cites: ['A1.title'] },
    })),
  fc
    .domain()
    .filter(absent)
    .map((d) => ({
      kind: 'invented host',
      sentence: { text: `A1 involves the host ${d} as well.`, cites: ['A1.device'] },
    })),
  fc
    .array(fc.stringMatching(/^[a-z0-9._-]{1,12}$/), { minLength: 1, maxLength: 4 })
    .map((parts) => `/${parts.join('/')}`)
    .filter(absent)
    .map((path) => ({
      kind: 'invented path',
      sentence: { text: `A4 started ${path} from dash.`, cites: ['A4.value.from', 'A4.value.fromPath'] },
    })),
  fc
    .emailAddress()
    .filter(absent)
    .map((e) => ({
      kind: 'invented e-mail',
      sentence: { text: `A1 was reported by ${e} to nobody.`, cites: ['A1.device'] },
    })),
  fc
    .constantFrom('should be isolated', 'must be reimaged', 'is something you should check', 'needs your attention')
    .map((advice) => ({ kind: 'advice', sentence: { text: `The device of A1 ${advice}.`, cites: ['A1.device'] } })),
);

/** The hardening corpus families that try to become markup, escapes or hidden text: rejected even when a cited fact holds them verbatim. */
const STRUCTURAL = [
  ...FRAGMENTS.markdown,
  ...FRAGMENTS.html,
  ...FRAGMENTS.code,
  ...FRAGMENTS.table,
  ...FRAGMENTS.breaks,
  ...FRAGMENTS.ansi,
  ...FRAGMENTS.invisible,
  '[click](https://evil.example/login)',
  '![px](https://evil.example/p.png)',
  'javascript:alert(1)',
];
/** The evidence-like families (bare links, hosts, paths, shell text): rejected when no cited fact holds them. */
const EVIDENCE_LIKE = [...FRAGMENTS.links, ...FRAGMENTS.posix].filter((f) => !STRUCTURAL.includes(f) && f !== '&&');

const echoes = (text: string): string[] => [
  `${text.charAt(0).toUpperCase()}${text.slice(1)}.`,
  `The command line of A4 says: ${text}.`,
  `The command line of A4 holds "${text}" at its end.`,
  `The command line of A4 holds ${text} at its end.`,
];

function cases(): Case[] {
  const out: Case[] = fc.sample(invented, { numRuns: 600, seed: SEED });
  for (const x of [...INJECTED_INSTRUCTIONS, ...STRUCTURAL]) {
    for (const text of echoes(x)) {
      out.push({
        kind: 'echoed injection or markup',
        hostile: x,
        sentence: { text, cites: ['A4.value.initiatingCommandLines', 'A4.id'] },
      });
    }
  }
  for (const x of EVIDENCE_LIKE) {
    for (const text of echoes(x))
      out.push({ kind: 'evidence-like text no cited fact holds', sentence: { text, cites: ['A1.title', 'A4.id'] } });
  }
  return out;
}

const sheets = new Map<string, ReturnType<typeof buildFactSheet>>();
function sheetOf(c: Case) {
  if (c.hostile === undefined) return sheet;
  let s = sheets.get(c.hostile);
  if (!s) {
    s = buildFactSheet(hostileResult(c.hostile), { maxAlerts: 5 });
    sheets.set(c.hostile, s);
  }
  return s;
}

describe('the adversarial provider', () => {
  const all = cases();

  it('has hundreds of cases of every kind', () => {
    expect(all.length).toBeGreaterThan(1000);
    const kinds = new Set(all.map((c) => c.kind));
    expect(kinds.size).toBe(15);
  });

  it('the hostile facts do hold the echoed text verbatim (the validator cannot lean on a missing fact)', () => {
    for (const x of INJECTED_INSTRUCTIONS) {
      const fact = buildFactSheet(hostileResult(x), { maxAlerts: 5 }).facts.find(
        (f) => f.id === 'A4.value.initiatingCommandLines',
      );
      expect(String(fact?.value)).toContain(x);
    }
  });

  it('100 % of its sentences are rejected, each with a reason', () => {
    const kept = all.filter((c) => validateSentences([c.sentence], sheetOf(c))[0]?.kept);
    expect(kept.map((c) => `${c.kind}: ${JSON.stringify(c.sentence.text)}`)).toEqual([]);
    const counts = { total: all.length, rejected: all.length - kept.length };
    expect(counts.rejected).toBe(counts.total);
  });

  it('good sentences citing the right facts are kept (the validator does not reject everything)', () => {
    const good = fc.sample(
      fc.integer({ min: 0, max: 4 }).chain((i) =>
        fc
          .constantFrom(
            (a: string) => ({
              text: `${a} has ${golden.alerts[i]!.evidence.eventCount} event(s).`,
              cites: [`${a}.count`],
            }),
            (a: string) => ({ text: `${a} is of ${golden.alerts[i]!.severity} severity.`, cites: [`${a}.severity`] }),
            (a: string) => ({ text: `${a} was raised on ${golden.alerts[i]!.device.name}.`, cites: [`${a}.device`] }),
            (a: string) => ({
              text: `${a} spans ${golden.alerts[i]!.firstSeen} to ${golden.alerts[i]!.lastSeen}.`,
              cites: [`${a}.first`, `${a}.last`],
            }),
            (a: string) => ({ text: `${a} is titled "${golden.alerts[i]!.title}".`, cites: [`${a}.title`] }),
            (a: string) => ({
              text: `${a} comes from the detector ${golden.alerts[i]!.detectorId}.`,
              cites: [`${a}.detector`],
            }),
          )
          .map((make) => make(`A${i + 1}`)),
      ),
      { numRuns: 300, seed: SEED },
    );
    const verdicts = validateSentences([...good, ...GOOD_SUMMARY, ...GOOD_ALERTS.flatMap((a) => a.sentences)], sheet);
    expect(verdicts.filter((v) => !v.kept).map((v) => [v.text, v.reasons])).toEqual([]);
  });

  describe('through narrate() and the loopback server: 0 reach the kept sentences', () => {
    let server: Awaited<ReturnType<typeof scriptedServer>>;
    const queue: string[] = [];
    beforeAll(async () => {
      server = await scriptedServer([(req, res) => json(queue.shift() ?? '{}')(req, res)]);
    });
    afterAll(() => server.close());

    it('keeps exactly the good sentences of every answer', { timeout: 600_000 }, async () => {
      const provider = openAICompatible({ baseURL: server.baseURL, model: 'adversary', env: {}, maxRetries: 0 });
      const sample = all.filter((_, i) => i % 5 === 0);
      let bad = 0;
      let keptBad = 0;
      for (const c of sample) {
        const answer = {
          summary: [GOOD_SUMMARY[0], c.sentence],
          alerts: [
            { alertId: 'A4', sentences: [c.sentence, { text: 'A4 is of medium severity.', cites: ['A4.severity'] }] },
          ],
        };
        queue.push(JSON.stringify(answer));
        const narrative = await narrate(c.hostile === undefined ? golden : hostileResult(c.hostile), {
          provider,
          maxAlerts: 5,
        });
        const kept = [...narrative.summary.sentences, ...narrative.alerts.flatMap((a) => a.sentences)].map(
          (s) => s.text,
        );
        bad += 2;
        keptBad += kept.filter((t) => t === c.sentence.text.trim()).length;
        expect(kept).toEqual([GOOD_SUMMARY[0]?.text, 'A4 is of medium severity.']);
        expect(narrative.rejected.filter((r) => r.text === c.sentence.text.trim())).toHaveLength(2);
      }
      expect(bad).toBeGreaterThan(400);
      expect(keptBad).toBe(0);
    });
  });
});
