/** Reading a rule file from disk: the one effect of this lib, kept apart from the pure parsing. */
import { readFile } from 'node:fs/promises';
import { compileRuleSet, CompiledRuleSet, CompileOptions } from './compiled-rule-set';
import { RuleFileUnreadable } from './rule-errors';
import { parseRuleFile } from './rule-file';

/** Reads, validates and compiles a rule file; throws RuleFileUnreadable or RuleFileInvalid naming the file. */
export async function loadRuleFile(path: string, options: CompileOptions = {}): Promise<CompiledRuleSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RuleFileUnreadable(path, { cause: error });
  }
  return compileRuleSet(parseRuleFile(text, path), options);
}
