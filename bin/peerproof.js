#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript under dist/.
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('peerproof: build output missing; run `npm run build` first');
  process.exit(1);
}
process.env.PEERPROOF_HOME ??= path.join(__dirname, '..');
require(entry);
