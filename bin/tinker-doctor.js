#!/usr/bin/env node
// The command-line doctor: the engine over a saved notebook. Built from
// src/cli by `jlpm build:cli`.
require('../build/cli/cli/main.js')
  .main(process.argv.slice(2))
  .then(code => process.exit(code));
