import { describe, expect, it } from 'vitest'
import { draftFromForm, FIELDS, fieldMessage, initialValues, SETUP_GUIDES } from '../../../src/renderer/forms/destination-form-model.js'
import { formFromSettings, patchFromForm } from '../../../src/renderer/forms/settings-form-model.js'
import { defaultSettings } from '../../../src/shared/settings.js'

describe('add-destination form', () => {
  it('builds a valid Immich draft with its API key beside the config', () => {
    const draft = draftFromForm('immich', { ...initialValues('immich'), name: 'Home', url: 'https://photos.home.lan/', secret: 'k' })
    expect(draft).toEqual({ ok: true, value: { kind: 'immich', name: 'Home', config: { url: 'https://photos.home.lan' }, secret: 'k' } })
  })

  it('names the failing field, in words for the form', () => {
    const bad = draftFromForm('immich', { ...initialValues('immich'), url: 'photos.home.lan', secret: 'k' })
    expect(bad).toMatchObject({ ok: false, key: 'url' })
    if (!bad.ok) expect(fieldMessage('immich', bad.key, bad.message)).toBe('Server address is not a valid address')
    const noKey = draftFromForm('immich', { ...initialValues('immich'), url: 'https://x.example' })
    expect(noKey).toMatchObject({ ok: false, key: 'secret', message: 'is required' })
    // One clean sentence per field (was "API key an API key is required").
    expect(fieldMessage('immich', 'secret', 'is required')).toBe('API key is required')
    expect(fieldMessage('webdav', 'secret', 'is required')).toBe('Password or app password is required')
    expect(draftFromForm('folder', { ...initialValues('folder'), name: ' ', path: '/x' })).toMatchObject({ ok: false, key: 'name' })
    expect(draftFromForm('folder', { ...initialValues('folder'), path: 'relative/dir' })).toMatchObject({ ok: false, key: 'path' })
  })

  it('leaves optional S3 fields and an unticked path-style to the defaults', () => {
    const draft = draftFromForm('s3', { ...initialValues('s3'), endpoint: 'http://127.0.0.1:9000', bucket: 'photos', accessKeyId: 'AK', secret: 'SK' })
    expect(draft).toMatchObject({ ok: true, value: { config: { region: 'us-east-1', prefix: '', pathStyle: true } } })
    const bucket = draftFromForm('s3', { ...initialValues('s3'), endpoint: 'https://s3.example', bucket: 'Bad_Bucket', accessKeyId: 'AK', secret: 'SK' })
    expect(bucket).toMatchObject({ ok: false, key: 'bucket' })
  })

  it('Google Photos asks for the user\'s own client ID and secret (Cradle ships no client), with the setup steps', () => {
    expect(FIELDS['google-photos'].map((f) => f.hint ?? '').join(' ')).not.toMatch(/Cradle.s own/)
    expect(draftFromForm('google-photos', initialValues('google-photos'))).toMatchObject({ ok: false, key: 'clientId', message: 'is required' })
    expect(draftFromForm('google-photos', { ...initialValues('google-photos'), clientId: 'id.apps.googleusercontent.com' })).toMatchObject({ ok: false, key: 'secret', message: 'is required' })
    expect(draftFromForm('google-photos', { ...initialValues('google-photos'), clientId: ' id.apps.googleusercontent.com ', secret: 'GOCSPX-x' })).toEqual({
      ok: true, value: { kind: 'google-photos', name: 'Google Photos', config: { clientId: 'id.apps.googleusercontent.com', uploadLivePhotoVideo: false }, secret: 'GOCSPX-x' },
    })
    // The still only by default, and the form says why (Google cannot pair them; the request budget).
    expect(initialValues('google-photos').uploadLivePhotoVideo).toBe(false)
    expect(FIELDS['google-photos'].find((f) => f.key === 'uploadLivePhotoVideo')!.hint).toMatch(/separate 2–3 second clip.*two more requests/)
    const steps = SETUP_GUIDES['google-photos']!.steps.map((s) => s.text).join(' ')
    for (const step of ['project', 'Photos Library API', 'consent screen', 'Desktop app', 'Production', '7 days']) expect(steps).toContain(step)
  })
})

describe('settings form', () => {
  const original = defaultSettings('/home/anna/Pictures/Cradle')

  it('sends only what changed', () => {
    const form = { ...formFromSettings(original), importOnlyOnPower: false, layout: ' {YYYY}/{MM} ' }
    expect(patchFromForm(form, original)).toEqual({ ok: true, value: { importOnlyOnPower: false, layout: '{YYYY}/{MM}' } })
    expect(patchFromForm(formFromSettings(original), original)).toEqual({ ok: true, value: {} })
  })

  it('turns the battery minimum on and off', () => {
    const on = { ...formFromSettings(original), batteryMinimumOn: true, minBatteryPercent: '40' }
    expect(patchFromForm(on, original)).toEqual({ ok: true, value: { minBatteryPercent: 40 } })
    const withMin = { ...original, minBatteryPercent: 40 }
    expect(patchFromForm({ ...formFromSettings(withMin), batteryMinimumOn: false }, withMin)).toEqual({ ok: true, value: { minBatteryPercent: null } })
  })

  it('refuses bad values by key before anything is sent', () => {
    expect(patchFromForm({ ...formFromSettings(original), batteryMinimumOn: true, minBatteryPercent: 'lots' }, original)).toMatchObject({ ok: false, key: 'minBatteryPercent' })
    expect(patchFromForm({ ...formFromSettings(original), batteryMinimumOn: true, minBatteryPercent: '150' }, original)).toMatchObject({ ok: false, key: 'minBatteryPercent' })
    expect(patchFromForm({ ...formFromSettings(original), libraryPath: 'Pictures' }, original)).toMatchObject({ ok: false, key: 'libraryPath' })
    expect(patchFromForm({ ...formFromSettings(original), layout: '{YYYY}/../x' }, original)).toMatchObject({ ok: false, key: 'layout' })
  })
})
