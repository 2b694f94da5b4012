/**
 * Jest settings for every project that runs @flowline/documents in its tests.
 *
 * unpdf and the PDF.js build it imports (`unpdf/pdfjs`, an .mjs file) ship as ES modules.
 * Node 24 loads them from our CommonJS code (unpdf's CommonJS entry imports PDF.js with a
 * dynamic import()); Jest's CommonJS runtime cannot (no dynamic import without
 * --experimental-vm-modules), so SWC turns both into CommonJS for the tests, like our own
 * sources, and `unpdf/pdfjs` (exported for `import` only) is mapped to its file.
 *
 *   const preset = require('../../jest.preset.js');
 *   module.exports = { preset: '../../jest.preset.js', ...documentsJest(preset), ... };
 *
 * `esmPackages` adds a project's own ES-only packages to the same transform.
 */
const path = require('node:path');

const swcToCommonJs = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' }, module: { type: 'commonjs' } },
];

function documentsJest(preset, esmPackages = []) {
  const packages = ['unpdf', ...esmPackages];
  return {
    moduleNameMapper: {
      ...preset.moduleNameMapper,
      '^unpdf/pdfjs$': path.join(__dirname, '../../node_modules/unpdf/dist/pdfjs.mjs'),
    },
    transform: {
      ...preset.transform,
      [`/node_modules/(${packages.join('|')})/.+\\.(c|m)?js$`]: swcToCommonJs,
    },
    transformIgnorePatterns: [`/node_modules/(?!(${packages.join('|')})/)`],
  };
}

module.exports = { documentsJest };
