module.exports = { displayName: 'notifier', preset: '../../jest.preset.js', rootDir: __dirname };
