/**
 * `npm run release:check` refuses while the desktop app's release lacks what publishing needs
 * (the placeholder homepage/maintainer, signing and notarisation keys), naming each, and stops
 * naming a key once it is given.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const script = path.resolve(import.meta.dirname, '../../../scripts/check-release.mjs')
const run = (env: NodeJS.ProcessEnv): { status: number | null; stderr: string } => {
  const r = spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' })
  return { status: r.status, stderr: r.stderr }
}

describe('release:check', () => {
  it('exits 1 naming the placeholders and every missing signing key', () => {
    const r = run({})
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('placeholder: homepage: https://cradle.invalid/')
    for (const v of ['CSC_LINK', 'APPLE_TEAM_ID', 'WIN_CSC_LINK', 'CRADLE_DEB_GPG_KEY']) expect(r.stderr).toContain(v)
  })

  it('a key that is given is no longer asked for', () => {
    const r = run({ WIN_CSC_LINK: 'cert.p12', WIN_CSC_KEY_PASSWORD: 'x' })
    expect(r.status).toBe(1)
    expect(r.stderr).not.toContain('Authenticode')
    expect(r.stderr).toContain('Developer ID')
  })
})
