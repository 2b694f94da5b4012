module.exports = { displayName: 'sync-agent', preset: '../../jest.preset.js', rootDir: __dirname };
