import { TACTICS, TECHNIQUE_TACTICS } from './tactics.generated.js';

/**
 * Microsoft Sentinel's name of an ATT&CK tactic: the tactic's name without spaces, each word
 * capitalised (`Defense Evasion` → `DefenseEvasion`, `Command and Control` → `CommandAndControl`),
 * the spelling of Sentinel's analytic rules.
 */
function sentinelName(name: string): string {
  return name
    .split(/\s+/)
    .map((w) => (w ? `${w[0]?.toUpperCase()}${w.slice(1)}` : ''))
    .join('');
}

/**
 * The tactics of ATT&CK techniques, as Sentinel names them, in kill-chain order, from the ATT&CK data
 * (a sub-technique has its parent's tactics). Unknown ids add nothing: a tactic is never guessed.
 */
export function tacticsOf(techniques: readonly string[]): string[] {
  const found = new Set<string>();
  for (const id of techniques) {
    const list = TECHNIQUE_TACTICS.get(id) ?? TECHNIQUE_TACTICS.get(id.split('.')[0] ?? '');
    for (const short of list?.split(' ') ?? []) if (short) found.add(short);
  }
  const out: string[] = [];
  for (const [short, name] of TACTICS) if (found.has(short)) out.push(sentinelName(name));
  return out;
}
