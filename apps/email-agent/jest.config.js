module.exports = { displayName: 'email-agent', preset: '../../jest.preset.js', rootDir: __dirname };
