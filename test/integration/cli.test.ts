import { describe, expect, it } from 'vitest'
import { runCliProcess } from '../helpers/cli.js'

describe('cradle command line', () => {
  it('prints help and exits 0', async () => {
    const result = await runCliProcess(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: cradle <command>')
  })

  it('exits 2 on an unknown command', async () => {
    const result = await runCliProcess(['frobnicate'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown command "frobnicate"')
  })
})
