module.exports = { displayName: 'document-agent', preset: '../../jest.preset.js', rootDir: __dirname };
