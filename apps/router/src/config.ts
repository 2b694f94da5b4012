import { resolve } from 'node:path';
import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';

/**
 * The shipped rule file, beside `src/` and `dist/` alike (apps/router/rules), so the same
 * default works from source (tsx), from a build, and in the image (deploy/Dockerfile copies
 * apps/<app>/rules).
 */
export const DEFAULT_RULES_FILE = resolve(__dirname, '..', 'rules', 'default.yaml');

export const routerConfig = baseServiceConfig.extend({
  PORT: configFields.port(8083),
  /** The YAML rule file; reloaded when it changes and on SIGHUP. */
  ROUTER_RULES_FILE: withExample(z.string().min(1).default(DEFAULT_RULES_FILE), '/etc/flowline/rules.yaml'),
  /** Quiet time after the last change of the rule file before it is reloaded (an editor writes in several steps). */
  ROUTER_RULES_RELOAD_DEBOUNCE_MS: configFields.positiveInt(250),
  /**
   * How long the group waits for a member that stopped heartbeating (a killed router) before
   * its partitions move to another member or a restarted one (the broker allows ≥ 6 s). The
   * default, the broker's minimum, moves them within about 8 s of a kill; what a short timeout
   * costs: docs/architecture.md, "Consumer timing and commits".
   */
  ROUTER_SESSION_TIMEOUT_MS: withExample(z.coerce.number().int().min(6_000).max(300_000).default(6_000), '6000'),
});
export type RouterConfig = z.infer<typeof routerConfig>;
