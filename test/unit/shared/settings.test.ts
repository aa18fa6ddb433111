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

describe('notification settings', () => {
  const email = { smtpHost: 'smtp.example.org', smtpPort: 587, secure: 'starttls', from: 'cradle@home.example', to: 'me@example.org' }

  it('accepts an http(s) URL or off, and refuses other schemes and credentials in the URL', () => {
    expect(validateSettingsPatch({ notifyUrl: 'https://ntfy.sh/my-topic' })).toEqual({ ok: true, value: { notifyUrl: 'https://ntfy.sh/my-topic' } })
    expect(validateSettingsPatch({ notifyUrl: null })).toMatchObject({ ok: true })
    expect(validateSettingsPatch({ notifyUrl: 'ftp://x.example/t' })).toMatchObject({ ok: false, key: 'notifyUrl', message: 'must be an http:// or https:// address' })
    expect(validateSettingsPatch({ notifyUrl: 'not a url' })).toMatchObject({ ok: false, key: 'notifyUrl' })
    expect(validateSettingsPatch({ notifyUrl: 'https://u:pw@ntfy.sh/t' })).toMatchObject({ ok: false, key: 'notifyUrl', message: expect.stringMatching(/must not contain a user name or password/) })
  })

  it('accepts complete e-mail settings, with or without a user name', () => {
    expect(validateSettingsPatch({ notifyEmail: email })).toEqual({ ok: true, value: { notifyEmail: email } })
    expect(validateSettingsPatch({ notifyEmail: { ...email, username: 'me', secure: 'tls', smtpPort: 465 } })).toMatchObject({ ok: true })
  })

  it('names the bad e-mail field', () => {
    const bad = (patch: Record<string, unknown>): unknown => validateSettingsPatch({ notifyEmail: { ...email, ...patch } })
    expect(bad({ smtpPort: 0 })).toMatchObject({ ok: false, key: 'notifyEmail', message: 'smtpPort must be a port number from 1 to 65535' })
    expect(bad({ secure: 'ssl' })).toMatchObject({ ok: false, message: expect.stringMatching(/^secure must be "tls", "starttls" or "none"/) })
    expect(bad({ to: 'me@example.org\r\nBcc: x@y.example' })).toMatchObject({ ok: false, message: expect.stringMatching(/^to must be one e-mail address/) })
    expect(bad({ from: 'Anna <a@b.example>' })).toMatchObject({ ok: false, message: expect.stringMatching(/^from /) })
    expect(bad({ smtpHost: 'smtp example' })).toMatchObject({ ok: false, message: expect.stringMatching(/^smtpHost /) })
    expect(bad({ username: '' })).toMatchObject({ ok: false, message: expect.stringMatching(/^username /) })
    expect(bad({ password: 'x' })).toMatchObject({ ok: false, message: 'has "password", which is not an e-mail setting Cradle knows' })
    const { to: _to, ...noTo } = email
    expect(validateSettingsPatch({ notifyEmail: noTo })).toMatchObject({ ok: false, message: 'needs to' })
  })

  it('finds no own "toString" or "constructor" field in Object.prototype', () => {
    expect(validateSettingsPatch({ notifyEmail: JSON.parse('{"smtpHost":"h","smtpPort":25,"secure":"none","from":"a@b.c","to":"d@e.f","constructor":"x"}') as unknown })).toMatchObject({ ok: false, message: expect.stringMatching(/"constructor"/) })
  })
})
