module.exports = { displayName: 'file-watcher', preset: '../../jest.preset.js', rootDir: __dirname };
