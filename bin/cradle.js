#!/usr/bin/env node
// Runs the built CLI; `npm install` builds it (the prepare script).
import '../dist/main/headless/cli/bin.js'
