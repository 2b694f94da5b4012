module.exports = { displayName: 'cdc-listener', preset: '../../jest.preset.js', rootDir: __dirname };
