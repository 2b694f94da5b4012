/**
 * Rule files for the router bench: the shipped default (apps/router/rules/default.yaml), and
 * that file with generated rules on other types put *before* its own, so that a router
 * trying rules in order would pass all of them for every event (first-match: the worst
 * place for them). The generated rules mix what real files hold: exact types, globs with a
 * literal first segment and a data condition, type lists with a source pattern. Each file is
 * checked with libs/routing-rules before a router is started on it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadRuleFile } from '@flowline/routing-rules';
import { REPO_ROOT } from './child-process';

export const DEFAULT_RULE_FILE = join(REPO_ROOT, 'apps', 'router', 'rules', 'default.yaml');

interface RuleFileShape {
  mode: string;
  rules: Record<string, unknown>[];
}

function generatedRule(i: number): Record<string, unknown> {
  switch (i % 3) {
    case 0:
      return { name: `partner-${i}`, match: { type: `partner${i}.order.created` }, targets: ['sync'] };
    case 1:
      return {
        name: `vendor-${i}`,
        match: { type: `vendor${i}.**`, data: { 'total.amountMinor': { gte: 1000 } } },
        targets: ['invoice'],
      };
    default:
      return {
        name: `crm-${i}`,
        match: { type: [`crm${i}.contact.created`, `crm${i}.contact.updated`], source: `/webhook-gateway/crm${i}` },
        targets: ['sync'],
      };
  }
}

/**
 * Writes `<dir>/rules-<total>.yaml`: the default file's rules preceded by generated rules, `total`
 * rules in all, and answers its path once libs/routing-rules accepted it.
 */
export async function writeRuleFile(dir: string, total: number): Promise<string> {
  const shipped = parse(await readFile(DEFAULT_RULE_FILE, 'utf8')) as RuleFileShape;
  const others = Math.max(0, total - shipped.rules.length);
  const file: RuleFileShape = {
    mode: shipped.mode,
    rules: [...Array.from({ length: others }, (_, i) => generatedRule(i)), ...shipped.rules],
  };
  const path = join(dir, `rules-${file.rules.length}.yaml`);
  await writeFile(path, stringify(file));
  const compiled = await loadRuleFile(path);
  if (compiled.summary().rules !== file.rules.length)
    throw new Error(`${path}: compiled ${compiled.summary().rules} rules, wrote ${file.rules.length}`);
  return path;
}
