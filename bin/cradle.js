#!/usr/bin/env node
// Runs the built CLI; `npm install` builds it (the prepare script).
import { main } from '../dist/main/headless/cli/main.js'

await main()
