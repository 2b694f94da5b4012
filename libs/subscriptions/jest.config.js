module.exports = {
  displayName: 'subscriptions',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
