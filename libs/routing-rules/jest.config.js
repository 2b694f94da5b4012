module.exports = { displayName: 'routing-rules', preset: '../../jest.preset.js', rootDir: __dirname };
