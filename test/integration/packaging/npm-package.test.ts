/**
 * What `npm pack` puts in the package a user installs with `npm install -g ./cradle-*.tgz`: the
 * built files (no build step at install), nothing of the sources or tests, and nothing that would
 * tie it to one CPU (a prebuilt native module): better-sqlite3 is fetched or built for the
 * machine it lands on. Every import in the built code resolves inside the package or to a
 * production dependency, so a machine without the devDependencies can run it.
 * (The whole global install was run by hand; README, "Install it as a command", has its figure.)
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../../..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bin: Record<string, string> }
let files: string[]

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'headless', 'cli', 'bin.js'))) throw new Error('build first: npm run build')
  // --ignore-scripts: list what would be packed without running the build (prepare) again.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })
  files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path)
}, 120_000)

describe('the npm package', () => {
  it('holds the CLI and everything it runs, built, and no sources, tests or native binaries', () => {
    expect(files).toContain(pkg.bin.cradle)
    expect(files).toContain('dist/main/headless/cli/bin.js')
    expect(files).toContain('dist/renderer/index.html')
    expect(files).toContain('README.md')
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f))).toEqual([])
    expect(files.filter((f) => f.endsWith('.node'))).toEqual([])
  })

  it('every import in the built code resolves inside the package or to a production dependency', () => {
    const packed = new Set(files)
    const problems: string[] = []
    const builtins = new Set(['electron']) // only src/main/electron imports it, run by the desktop app's own runtime
    for (const file of files.filter((f) => f.endsWith('.js') && f.startsWith('dist/') && !f.startsWith('dist/main/electron/') && !f.startsWith('dist/preload/') && !f.startsWith('dist/renderer/'))) {
      const text = fs.readFileSync(path.join(root, file), 'utf8')
      for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? m[2] ?? m[3]!
        if (spec.startsWith('node:') || builtins.has(spec)) continue
        if (spec.startsWith('.')) {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))
          if (!packed.has(target)) problems.push(`${file}: ${spec} (not in the package)`)
          continue
        }
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
        if (!(name in pkg.dependencies)) problems.push(`${file}: ${spec} (not a production dependency)`)
      }
    }
    expect(problems).toEqual([])
  })
})
