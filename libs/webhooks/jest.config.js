const path = require('node:path');
const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'webhooks',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // @octokit/webhooks-methods (GitHub's reference signer, a test dependency) ships only as an
  // ES module, which Jest's CommonJS runtime cannot require: point at its Node build and let
  // SWC turn that one package into CommonJS like our own sources.
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '^@octokit/webhooks-methods$': path.join(
      __dirname,
      '../../node_modules/@octokit/webhooks-methods/dist-node/index.js',
    ),
  },
  transform: {
    ...preset.transform,
    '^.+/@octokit/webhooks-methods/.+\\.js$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@octokit/webhooks-methods/)'],
};
