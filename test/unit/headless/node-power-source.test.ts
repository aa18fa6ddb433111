import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLinuxAcPower } from '../../../src/main/headless/ports/node-power-source.js'

function sysfs(entries: Record<string, Record<string, string>>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-power-'))
  for (const [name, files] of Object.entries(entries)) {
    fs.mkdirSync(path.join(root, name))
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name, file), `${text}\n`)
  }
  return root
}

describe('Linux AC power from sysfs', () => {
  it('is on AC when an adapter is online', () => {
    expect(readLinuxAcPower(sysfs({ AC: { type: 'Mains', online: '1' }, BAT0: { type: 'Battery' } }))).toBe(true)
  })

  it('is on battery when the adapter is offline', () => {
    expect(readLinuxAcPower(sysfs({ AC: { type: 'Mains', online: '0' }, BAT0: { type: 'Battery' } }))).toBe(false)
  })

  it('treats a machine without any power supply entries as on AC (a desktop or server)', () => {
    expect(readLinuxAcPower(sysfs({}))).toBe(true)
  })

  it('says null when sysfs is not there', () => {
    expect(readLinuxAcPower('/nonexistent/power_supply')).toBeNull()
  })
})
