const preset = require('../../jest.preset.js');
const { documentsJest } = require('./jest.esm-packages.js');

module.exports = {
  displayName: 'documents',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  ...documentsJest(preset),
};
