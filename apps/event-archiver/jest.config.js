module.exports = { displayName: 'event-archiver', preset: '../../jest.preset.js', rootDir: __dirname };
