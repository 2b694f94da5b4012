module.exports = { displayName: 'flowline-cli', preset: '../../jest.preset.js', rootDir: __dirname };
