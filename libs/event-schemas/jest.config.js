module.exports = { displayName: 'event-schemas', preset: '../../jest.preset.js', rootDir: __dirname };
