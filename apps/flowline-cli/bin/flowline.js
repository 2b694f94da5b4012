#!/usr/bin/env node
// Runs the built CLI when there is one (npx nx build flowline-cli); on a fresh clone, runs
// the TypeScript source through tsx instead, with the workspace libs resolved to their
// sources (the `flowline-source` export condition), as the root package.json's scripts do.
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'main.js');
if (existsSync(built)) {
  require(built);
} else {
  const { spawn } = require('node:child_process');
  const { pathToFileURL } = require('node:url');
  // Resolved from here, not from the caller's directory, so `flowline` works from anywhere.
  const tsx = pathToFileURL(require.resolve('tsx', { paths: [__dirname] })).href;
  const source = path.join(__dirname, '..', 'src', 'main.ts');
  const child = spawn(
    process.execPath,
    ['--conditions=flowline-source', '--import', tsx, source, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  const forward = (signal) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward(signal));
  child.on('error', (error) => {
    process.stderr.write(`flowline: cannot start ${source}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      // Die of the same signal, so the caller's shell sees what the CLI saw.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
