// The Electron shell: the main process with tsc against Electron's types (tsconfig.electron.json,
// ES modules, into <out>/main/electron/), and the preload bundled by esbuild to CommonJS
// (<out>/preload/index.cjs), because a sandboxed preload cannot be an ES module and may require
// only `electron`. Usage: node scripts/build-electron.mjs [--out DIR]   (default: dist)
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outFlag = process.argv.indexOf('--out')
const out = path.resolve(root, outFlag > 0 && process.argv[outFlag + 1] ? process.argv[outFlag + 1] : 'dist')

execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.electron.json', '--outDir', out], { cwd: root, stdio: 'inherit' })
execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.preload.json'], { cwd: root, stdio: 'inherit' })

await build({
  entryPoints: [path.join(root, 'src', 'preload', 'index.ts')],
  outfile: path.join(out, 'preload', 'index.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  // Electron 45: Chromium 140, Node 22.
  target: ['chrome140', 'node22'],
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
})
