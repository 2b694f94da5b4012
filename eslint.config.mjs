// Type-aware linting for every project. The floating-promise rule is on: a promise nobody
// awaits is a lost error or an acknowledgement before the work is done.
//
// Boundaries (docs/architecture.md "Layout"): kafkajs stays inside libs/messaging, amqplib
// inside the notifier, and no app or lib imports an app. Tests, test infrastructure
// (libs/testing, deploy/local) and benchmark baselines may use the clients directly: they
// inject raw bytes, probe topics and measure the bare client against the runtime.
import fs from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const appNames = fs
  .readdirSync(new URL('./apps', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const noAppImports = [
  {
    group: appNames.map((app) => `@flowline/${app}`),
    message: 'Apps are deployed on their own and talk only over Kafka: move shared code into a lib.',
  },
  {
    regex: `^(\\.\\./)+(apps/)?(${appNames.join('|')})(/|$)`,
    message: 'Apps are deployed on their own and talk only over Kafka: move shared code into a lib.',
  },
];
const kafkajsOnlyInMessaging = {
  group: ['kafkajs', 'kafkajs/*'],
  message: 'kafkajs stays inside libs/messaging: use MessagingClient (publisher, consumer, topic reader) instead.',
};
const amqplibOnlyInNotifier = {
  group: ['amqplib', 'amqplib/*'],
  message: 'amqplib stays inside apps/notifier: results reach RabbitMQ through the notifier.',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const tests = ['**/*.spec.ts', '**/test-fixtures/**', 'libs/testing/**', 'deploy/local/**', 'bench/**', 'e2e/**'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.flowline/**', '.nx/**', '**/jest.config.js', 'jest.preset.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  // Later blocks override earlier ones for the same rule, so the most permissive comes last.
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    rules: restrict(...noAppImports, kafkajsOnlyInMessaging, amqplibOnlyInNotifier),
  },
  { files: ['libs/messaging/**/*.ts'], rules: restrict(...noAppImports, amqplibOnlyInNotifier) },
  { files: ['apps/notifier/**/*.ts'], rules: restrict(...noAppImports, kafkajsOnlyInMessaging) },
  { files: tests, ignores: ['apps/**'], rules: restrict(...noAppImports) },
  { files: ['apps/**/*.spec.ts', 'apps/**/test-fixtures/**'], rules: restrict(...noAppImports) },
  {
    files: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
