// `npm run bench [name…]`: runs bench/<name>.bench.ts (all of them without arguments), one at a
// time, each in its own process (tsx), and prints their figures. Benchmarks are not tests: they
// measure, they do not pass or fail on a busy machine.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const benchDir = path.join(root, 'bench')
const wanted = process.argv.slice(2)
const all = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).sort()
const chosen = wanted.length === 0 ? all : all.filter((f) => wanted.some((w) => f === w || f === `${w}.bench.ts` || f.startsWith(`${w}.`)))
if (chosen.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}; have: ${all.join(', ')}`)
  process.exit(2)
}
let failed = 0
for (const file of chosen) {
  console.log(`\n=== ${file} ===`)
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(benchDir, file)], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
