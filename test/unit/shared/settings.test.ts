import { describe, expect, it } from 'vitest'
import { defaultSettings, validateLayout, validateSettings, validateSettingsPatch } from '../../../src/shared/settings.js'

describe('settings validation', () => {
  const defaults = defaultSettings('/home/anna/Pictures/Cradle')

  it('accepts the defaults', () => {
    expect(validateSettings(defaults, defaults)).toEqual({ ok: true, value: defaults })
  })

  it('names the bad key', () => {
    expect(validateSettingsPatch({ minBatteryPercent: 150 })).toMatchObject({ ok: false, key: 'minBatteryPercent' })
    expect(validateSettingsPatch({ importOnlyOnPower: 'yes' })).toMatchObject({ ok: false, key: 'importOnlyOnPower' })
  })

  it('refuses unknown keys instead of ignoring a typo', () => {
    expect(validateSettingsPatch({ autoRunOnConect: true })).toMatchObject({ ok: false, key: 'autoRunOnConect' })
    // Keys Object.prototype has are no settings either (they were accepted, or threw).
    for (const key of ['isPrototypeOf', 'constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(validateSettingsPatch(JSON.parse(`{"${key}": {}}`)), key).toMatchObject({ ok: false, key, message: 'is not a setting Cradle knows' })
    }
  })

  it('fills missing keys from the defaults', () => {
    const result = validateSettings({ version: 1, layout: '{YYYY}' }, defaults)
    expect(result).toEqual({ ok: true, value: { ...defaults, layout: '{YYYY}' } })
  })

  it('leaves Recently Deleted out by default and takes only true or false for it', () => {
    expect(defaults.importRecentlyDeleted).toBe(false)
    expect(validateSettingsPatch({ importRecentlyDeleted: true })).toEqual({ ok: true, value: { importRecentlyDeleted: true } })
    expect(validateSettingsPatch({ importRecentlyDeleted: 'yes' })).toMatchObject({ ok: false, key: 'importRecentlyDeleted' })
  })

  it('refuses a file from another version', () => {
    expect(validateSettings({ version: 2 }, defaults)).toMatchObject({ ok: false, key: 'version' })
  })

  it.each([
    ['{YYYY}/{YYYY}-{MM}', null],
    ['{YYYY}/{MM}/{DD}', null],
    ['../{YYYY}', 'must not contain empty, "." or ".." folders'],
    ['/abs/{YYYY}', 'must be a relative folder path'],
    ['{YEAR}', 'knows only the tokens {YYYY}, {MM} and {DD}'],
    ['', 'must not be empty'],
  ])('layout %j → %j', (layout, problem) => {
    expect(validateLayout(layout)).toBe(problem)
  })
})
