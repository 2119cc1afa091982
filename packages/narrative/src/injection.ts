import type { AnalysisResult, Narrative } from '@tripline/core';
import { RE2JS } from 're2js';

/**
 * Text that reads like an instruction to a language model. The patterns run on RE2 (re2js): time
 * linear in the text, whatever an attacker writes into an event. Case-insensitive.
 */
export const INJECTION_PATTERNS: readonly {
  readonly name: string;
  readonly source: string;
  /** Lower-case words one of which every match holds: a pattern runs only on text holding one (a fast pre-check). */
  readonly triggers: readonly string[];
}[] = [
  {
    name: 'ignore-previous-instructions',
    triggers: ['ignore', 'disregard', 'forget', 'override', 'bypass'],
    source:
      '\\b(ignore|disregard|forget|override|bypass)\\s+(\\w+\\s+){0,3}(previous|prior|above|earlier|preceding|original|system)\\s+(instructions?|prompts?|rules|messages?|directions|directives|context)\\b',
  },
  {
    name: 'ignore-the-above',
    triggers: ['ignore', 'disregard', 'forget'],
    source: '\\b(ignore|disregard|forget)\\s+(everything|all|anything)\\s+(above|before|else)\\b',
  },
  { name: 'system-prompt', triggers: ['system'], source: '\\bsystem\\s+prompt\\b' },
  {
    name: 'role-reassignment',
    triggers: ['you', 'pretend'],
    source: '\\byou\\s+are\\s+now\\b|\\bfrom\\s+now\\s+on\\s*,?\\s+you\\b|\\bpretend\\s+(to\\s+be|you\\s+are)\\b',
  },
  {
    name: 'new-instructions',
    triggers: ['instruction', 'mode'],
    source: '\\bnew\\s+instructions?\\s*:|\\b(jailbreak|god)\\s+mode\\b',
  },
  {
    name: 'chat-template-token',
    triggers: ['<|', 'inst]', '<<', '_of_turn>', '</s>'],
    source: '<\\|[a-z_]{2,40}\\|>|\\[/?inst\\]|<</?sys>>|<(start|end)_of_turn>|</s>',
  },
  {
    name: 'instruction-header',
    triggers: ['###', 'system', 'assistant'],
    source: '###\\s*(instruction|system|response|assistant)s?\\b|(^|\\n)\\s*(system|assistant)\\s*:',
  },
  {
    name: 'prompt-leak',
    triggers: ['prompt', 'instructions'],
    source:
      '\\b(reveal|print|repeat|show|output)\\s+(your|the)\\s+(system\\s+|initial\\s+|hidden\\s+)?(prompt|instructions)\\b',
  },
  {
    name: 'verdict-steering',
    triggers: ['benign', 'safe', 'harmless', 'clean', 'false', 'not'],
    source:
      '\\b(mark|classify|report|treat|label)\\s+(this|it|these|the\\s+\\w+)\\s+as\\s+(benign|safe|harmless|clean|a\\s+false\\s+positive)\\b|\\bdo\\s+not\\s+(report|flag|alert|mention)\\b',
  },
];

const COMPILED = INJECTION_PATTERNS.map((p) => ({
  name: p.name,
  triggers: p.triggers,
  re: RE2JS.compile(p.source, RE2JS.CASE_INSENSITIVE),
}));

/** The first match of each injection pattern in `text`: pattern name and where it matched. */
export function findInjections(text: string): { pattern: string; start: number; end: number }[] {
  const out: { pattern: string; start: number; end: number }[] = [];
  // the pre-check folds case as RE2 does: the long s and the Kelvin sign fold to ASCII letters too
  const lower = text.toLowerCase().replaceAll('\u017f', 's').replaceAll('\u212a', 'k');
  for (const { name, triggers, re } of COMPILED) {
    if (!triggers.some((t) => lower.includes(t))) continue;
    const m = re.matcher(text);
    if (m.find()) out.push({ pattern: name, start: m.start(), end: m.end() });
  }
  return out;
}

const EXCERPT_CONTEXT = 24;
const EXCERPT_MAX = 120;

function excerpt(text: string, start: number, end: number): string {
  const from = Math.max(0, start - EXCERPT_CONTEXT);
  const to = Math.min(text.length, Math.max(end, start + 1) + EXCERPT_CONTEXT, from + EXCERPT_MAX);
  let s = text.slice(from, to);
  // no half surrogate pair at either end
  if (/^[\uDC00-\uDFFF]/.test(s)) s = s.slice(1);
  if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
  return `${from > 0 ? '…' : ''}${s}${to < text.length ? '…' : ''}`;
}

type Injection = Narrative['injections'][number];

/** Walks a value (objects, arrays, strings) without recursion, calling `visit` on every string with its path. */
function walkStrings(root: unknown, path: string, visit: (field: string, text: string) => void): void {
  const stack: [string, unknown][] = [[path, root]];
  while (stack.length > 0) {
    const [field, value] = stack.pop() as [string, unknown];
    if (typeof value === 'string') visit(field, value);
    else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([`${field}[${i}]`, value[i]]);
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i] as [string, unknown];
        stack.push([`${field}.${k}`, v]);
      }
    }
  }
}

/**
 * Event values of the result's alerts that read like instructions to a model: the title, key, message
 * values, key components and evidence fields of every alert (not only the narrated ones), one finding
 * per alert, field and pattern, in alert order then field order. Deterministic, and independent of any
 * model: an injection attempt is itself a finding.
 */
export function detectInjections(result: AnalysisResult): Injection[] {
  const out: Injection[] = [];
  for (const alert of result.alerts) {
    const visit = (field: string, text: string) => {
      for (const hit of findInjections(text)) {
        out.push({ alertId: alert.id, field, pattern: hit.pattern, excerpt: excerpt(text, hit.start, hit.end) });
      }
    };
    visit('title', alert.title);
    visit('device.name', alert.device.name);
    visit('key', alert.key);
    walkStrings(alert.message.values, 'message.values', visit);
    walkStrings(alert.evidence.keyComponents, 'evidence.keyComponents', visit);
    for (const [i, event] of alert.evidence.events.entries()) {
      walkStrings(event.fields, `evidence.events[${i}].fields`, visit);
    }
  }
  return out;
}
