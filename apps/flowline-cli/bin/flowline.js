#!/usr/bin/env node
// Runs the built CLI (npx nx build flowline-cli).
require('../dist/main.js');
