import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '@flowline/service-runtime';
import { DEFAULT_RULES_FILE, routerConfig } from './config';

const APP_ROOT = resolve(__dirname, '..');

describe('router config', () => {
  it('defaults to the shipped rule file, found the same way from src/ and from dist/', () => {
    expect(loadConfig(routerConfig, {}).ROUTER_RULES_FILE).toBe(DEFAULT_RULES_FILE);
    expect(relative(APP_ROOT, DEFAULT_RULES_FILE)).toBe(join('rules', 'default.yaml'));
    expect(existsSync(DEFAULT_RULES_FILE)).toBe(true);
  });

  it('is shipped in the container image beside dist/', () => {
    const dockerfile = readFileSync(resolve(APP_ROOT, '../../deploy/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/for d in [^;]*"apps\/\$APP\/rules"/);
  });

  it('takes another rule file and debounce from the environment', () => {
    expect(
      loadConfig(routerConfig, {
        ROUTER_RULES_FILE: '/etc/flowline/rules.yaml',
        ROUTER_RULES_RELOAD_DEBOUNCE_MS: '50',
      }),
    ).toMatchObject({ ROUTER_RULES_FILE: '/etc/flowline/rules.yaml', ROUTER_RULES_RELOAD_DEBOUNCE_MS: 50 });
  });
});
