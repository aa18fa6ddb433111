// `node --import ./register.mjs main.js`: makes `import … from 'electron'` load the fake beside
// this file. Electron's binary cannot run on the test machines; the shell's wiring still can.
import { register } from 'node:module'

register('./hooks.mjs', import.meta.url)
