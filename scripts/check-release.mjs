// `npm run release:check`: says what a publishable release of the desktop app still lacks, and
// exits 1 while anything does. Packaging itself works without these (the packaging test builds
// an unsigned --dir package); publishing must not, so nothing placeholder-like ships by accident.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const config = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')
const env = process.env
const missing = []

// .invalid (RFC 2606) can never resolve, so an unfinished config points at nobody's site.
for (const line of config.split('\n')) {
  if (/\.invalid\b/.test(line) && !line.trimStart().startsWith('#')) missing.push(`electron-builder.yml still has a placeholder: ${line.trim()} (the project's homepage and a maintainer address that answers)`)
}
const need = (vars, what) => {
  const absent = vars.filter((v) => !env[v])
  if (absent.length > 0) missing.push(`${what}: set ${absent.join(', ')}`)
}
need(['CSC_LINK', 'CSC_KEY_PASSWORD'], 'macOS: a Developer ID Application certificate (.p12) to sign the app')
need(['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'], 'macOS: notarisation by Apple (notarytool), without which Gatekeeper blocks the app')
need(['WIN_CSC_LINK', 'WIN_CSC_KEY_PASSWORD'], 'Windows: an Authenticode code-signing certificate, without which SmartScreen warns')
need(['CRADLE_DEB_GPG_KEY'], 'Linux: a GPG key to sign the apt repository that serves the .deb')

if (missing.length === 0) {
  console.log('release: nothing missing')
} else {
  console.error(`A release needs what this checkout does not have:\n${missing.map((m) => `  - ${m}`).join('\n')}`)
  process.exitCode = 1
}
