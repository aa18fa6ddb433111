import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultSettings } from '../../../src/shared/settings.js'
import { loadSettings, saveSettings } from '../../../src/main/library/settings-store.js'

let dir: string
const defaults = defaultSettings('/home/ann/Pictures/Cradle')
const file = (): string => path.join(dir, 'settings.json')
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-settings-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('settings.json', () => {
  it('gives the defaults when there is no file, and round-trips a save', () => {
    expect(loadSettings(dir, defaults)).toEqual({ settings: defaults, problem: null, keptAside: null })
    const changed = { ...defaults, layout: '{YYYY}/{MM}', minBatteryPercent: 30 }
    saveSettings(dir, changed)
    expect(loadSettings(dir, defaults).settings).toEqual(changed)
    expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toMatchObject({ version: 1, layout: '{YYYY}/{MM}' })
    expect(fs.readdirSync(dir)).toEqual(['settings.json']) // no temp file left behind
  })

  it('fills keys missing from an older file with their defaults', () => {
    fs.writeFileSync(file(), JSON.stringify({ version: 1, importOnlyOnPower: false }))
    expect(loadSettings(dir, defaults).settings).toEqual({ ...defaults, importOnlyOnPower: false })
  })

  it.each([
    ['an invalid value', JSON.stringify({ version: 1, minBatteryPercent: 150 }), 'minBatteryPercent'],
    ['an unknown key', JSON.stringify({ version: 1, libraryPth: '/x' }), 'libraryPth'],
    ['a layout that climbs out', JSON.stringify({ version: 1, layout: '../{YYYY}' }), 'layout'],
    ['a future version', JSON.stringify({ version: 9 }), 'version'],
    ['broken JSON', '{"version": 1,', '(file)'],
    ['not an object', '[1,2]', '(file)'],
  ])('keeps a file with %s aside and names the bad key', (_what, text, key) => {
    fs.writeFileSync(file(), text)
    const r = loadSettings(dir, defaults, new Date('2025-01-02T03:04:05.678Z'))
    expect(r.settings).toEqual(defaults)
    expect(r.problem).toMatchObject({ code: 'settings-invalid', context: { key } })
    expect(r.problem!.message).toContain(key)
    expect(r.keptAside).toBe(path.join(dir, 'settings.json.bad-2025-01-02T03-04-05-678Z'))
    expect(fs.readFileSync(r.keptAside!, 'utf8')).toBe(text) // kept byte for byte
    expect(fs.existsSync(file())).toBe(false) // not silently replaced
  })

  it('refuses to save invalid settings', () => {
    expect(() => saveSettings(dir, { ...defaults, layout: '/abs' })).toThrow(expect.objectContaining({ code: 'settings-invalid', context: { key: 'layout' } }))
    expect(fs.existsSync(file())).toBe(false)
  })
})
