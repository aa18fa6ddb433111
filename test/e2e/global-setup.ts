/**
 * Builds the window once for the run into test-results/ (never dist/: `npm run build` owns that and
 * others may be using it), unless CRADLE_E2E_RENDERER points at a build already made.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export default async function globalSetup(): Promise<void> {
  if (process.env.CRADLE_E2E_RENDERER) return
  const outDir = path.join(root, 'test-results', 'e2e-renderer')
  mkdirSync(path.dirname(outDir), { recursive: true })
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  process.env.CRADLE_E2E_RENDERER = outDir
}
