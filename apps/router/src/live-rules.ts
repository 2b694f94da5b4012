/**
 * The rule set in force, reloaded from its file without a restart: when the file changes
 * (a watch on its directory, debounced) and on `reload()` (SIGHUP, through the service
 * runtime). A new file replaces the old rules only once it was read, validated and compiled
 * completely; an invalid one is logged with the file and the reason, counted, and the old
 * rules stay in force.
 *
 * The swap is one reference assignment: the handler takes `current` once per event, so every
 * event is routed by one whole rule set, the old or the new, never a mix.
 *
 * The directory is watched rather than the file: editors and `kubectl` replace a file by
 * renaming a new one over it (a Kubernetes ConfigMap volume swaps a `..data` symlink), which a
 * watch on the old file's inode would miss. Unchanged content is not reloaded, so the events
 * of unrelated files in the directory cost one read.
 */
import { createHash } from 'node:crypto';
import { FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  compileRuleSet,
  CompiledRuleSet,
  parseRuleFile,
  RuleError,
  RuleFileUnreadable,
  RuleSetDefinition,
} from '@flowline/routing-rules';
import type { Logger } from '@flowline/telemetry';
import type { Component } from '@flowline/service-runtime';
import type { RouterMetrics } from './router-metrics';

export interface LiveRulesOptions {
  file: string;
  debounceMs: number;
  logger: Logger;
  metrics: RouterMetrics;
}

export class LiveRules implements Component {
  readonly name = 'routing-rules';
  private rules: CompiledRuleSet | undefined;
  private contentHash = '';
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Reloads run one after another: a slow read must not land after a newer one. */
  private reloading: Promise<void> = Promise.resolve();

  constructor(private readonly options: LiveRulesOptions) {}

  /** The rules in force. */
  get current(): CompiledRuleSet {
    if (this.rules === undefined) throw new Error('the routing rules were not loaded: start() first');
    return this.rules;
  }

  /** Loads the file (an invalid one fails the start: there are no old rules to keep), then watches it. */
  async start(): Promise<void> {
    const { text, hash } = await this.read();
    this.install(parseRuleFile(text, this.options.file), hash, 'loaded');
    const directory = dirname(this.options.file);
    const name = basename(this.options.file);
    this.watcher = watch(directory, { persistent: false }, (_event, changed) => {
      // Some platforms give no file name; `..data` is a ConfigMap volume's atomic swap.
      if (changed === null || changed === name || changed === '..data') this.scheduleReload();
    });
    this.watcher.on('error', (error) => {
      this.options.logger.error(
        { err: error, file: this.options.file },
        'watching the rule file failed; rules reload on SIGHUP only',
      );
    });
  }

  stop(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    return this.reloading;
  }

  /** Reads the file again and swaps the rules in if it is valid and changed; never throws. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadNow());
    return this.reloading;
  }

  private scheduleReload(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.options.debounceMs);
    this.timer.unref();
  }

  private async reloadNow(): Promise<void> {
    const { file, logger, metrics } = this.options;
    try {
      const { text, hash } = await this.read();
      if (hash === this.contentHash) return;
      this.install(parseRuleFile(text, file), hash, 'reloaded');
      metrics.reloads.inc({ outcome: 'ok' });
    } catch (error) {
      metrics.reloads.inc({ outcome: 'failed' });
      const issues = error instanceof RuleError && 'issues' in error ? error.issues : undefined;
      logger.error(
        {
          file,
          reason: error instanceof Error ? error.message : String(error),
          issues,
          code: (error as RuleError).code,
        },
        `rule file rejected, the previous rules stay in force: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private async read(): Promise<{ text: string; hash: string }> {
    let text: string;
    try {
      text = await readFile(this.options.file, 'utf8');
    } catch (error) {
      throw new RuleFileUnreadable(this.options.file, { cause: error });
    }
    return { text, hash: createHash('sha256').update(text).digest('hex') };
  }

  private install(definition: RuleSetDefinition, hash: string, verb: 'loaded' | 'reloaded'): void {
    const rules = compileRuleSet(definition);
    this.rules = rules;
    this.contentHash = hash;
    this.options.metrics.rulesLoaded.set(rules.rules.length);
    const summary = rules.summary();
    this.options.logger.info(
      { file: this.options.file, mode: summary.mode, rules: summary.rules, targets: summary.targets },
      `routing rules ${verb}`,
    );
  }
}
