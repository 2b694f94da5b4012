module.exports = { displayName: 'invoice-agent', preset: '../../jest.preset.js', rootDir: __dirname };
