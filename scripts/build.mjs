// One build command: main + shared + sim (tsc), then the renderer (vite) and the Electron
// shell (tsc against Electron's types + the CommonJS preload) once those parts exist.
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => path.join(root, 'node_modules', '.bin', name)
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' })

rmSync(path.join(root, 'dist'), { recursive: true, force: true })
run(bin('tsc'), ['-p', 'tsconfig.node.json'])
if (existsSync(path.join(root, 'vite.config.ts'))) run(bin('vite'), ['build', '--logLevel', 'warn'])
if (existsSync(path.join(root, 'scripts', 'build-electron.mjs'))) run(process.execPath, [path.join(root, 'scripts', 'build-electron.mjs')])
