export { BUILTIN_VALUES, KEY_SEPARATOR, ruleToDetector } from './compile.js';
export {
  isRuleFileName,
  type LoadedRule,
  loadRuleFile,
  loadRules,
  parseRule,
  RULE_EXTENSIONS,
  type RulePosition,
  ruleFiles,
  ruleFixtureFiles,
} from './load.js';
export { LinearRegex, RegexSyntaxError } from './regex.js';
export { type Rule, type RuleInput, ruleJsonSchema, ruleSchema } from './schema.js';
