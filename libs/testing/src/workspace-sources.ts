/**
 * Jest loads its global setup and teardown with Node's own resolver, not with the tests'
 * moduleNameMapper, so a workspace lib would resolve to its build output (`dist/`), which a
 * fresh clone does not have (`npm ci && npm test` builds nothing). Resolve workspace libs
 * to their sources instead, through the `flowline-source` export condition the npm scripts
 * pass to Node; Jest's transform compiles them as it does this file.
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve: (specifier, context, nextResolve) =>
    nextResolve(specifier, { ...context, conditions: [...(context.conditions ?? []), 'flowline-source'] }),
});
