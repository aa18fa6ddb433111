import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileSecretStore, SECRETS_FILE } from '../../../src/main/headless/headless-secrets.js'

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-secrets-'))

describe('headless secret store', () => {
  it('keeps secrets in a file only its owner can read', async () => {
    const dir = tempDir()
    const store = fileSecretStore(dir)
    await store.set('destination:1', 'hunter2')
    expect(await store.get('destination:1')).toBe('hunter2')
    expect(fs.statSync(path.join(dir, SECRETS_FILE)).mode & 0o777).toBe(0o600)
    expect(await fileSecretStore(dir).get('destination:1')).toBe('hunter2')
  })

  it('tightens a file whose permissions were loosened', async () => {
    const dir = tempDir()
    await fileSecretStore(dir).set('k', 'v')
    fs.chmodSync(path.join(dir, SECRETS_FILE), 0o644)
    expect(await fileSecretStore(dir).get('k')).toBe('v')
    expect(fs.statSync(path.join(dir, SECRETS_FILE)).mode & 0o777).toBe(0o600)
  })

  it('reads a secret stored as an environment variable reference at run time', async () => {
    const dir = tempDir()
    await fileSecretStore(dir, {}).setFromEnv('k', 'IMMICH_KEY')
    expect(await fileSecretStore(dir, { IMMICH_KEY: 'abc' }).get('k')).toBe('abc')
    expect(await fileSecretStore(dir, {}).get('k')).toBeUndefined()
    expect(fs.readFileSync(path.join(dir, SECRETS_FILE), 'utf8')).not.toContain('abc')
  })

  it('deletes, and reports a corrupt file instead of replacing it', async () => {
    const dir = tempDir()
    const store = fileSecretStore(dir)
    await store.set('k', 'v')
    await store.delete('k')
    expect(await store.get('k')).toBeUndefined()
    fs.writeFileSync(path.join(dir, SECRETS_FILE), '{oops', { mode: 0o600 })
    await expect(store.get('k')).rejects.toMatchObject({ code: 'settings-invalid' })
    expect(fs.readFileSync(path.join(dir, SECRETS_FILE), 'utf8')).toBe('{oops')
  })

  it('never quotes the file in a parse error (the text around the fault is a secret)', async () => {
    const dir = tempDir()
    const file = path.join(dir, SECRETS_FILE)
    const broken = [
      '{"version":1,"secrets":{"k":{"value":"hunter2-s3cret"}}', // cut short
      '{"version":1,"secrets":{"k":{"value":hunter2-s3cret}}}', // a value without quotes
      'hunter2-s3cret',
      '{"version":2,"secrets":{"k":{"value":"hunter2-s3cret"}}}',
    ]
    for (const text of broken) {
      fs.writeFileSync(file, text, { mode: 0o600 })
      const error = (await fileSecretStore(dir).get('k').catch((e: unknown) => e)) as Error & { cause?: unknown }
      expect(error, text).toMatchObject({ code: 'settings-invalid' })
      const everything = `${error.message} ${String(error.stack)} ${JSON.stringify(error)} ${String(error.cause ?? '')}`
      expect(everything, text).not.toContain('hunter2')
      expect(everything, text).not.toContain('s3cret')
    }
  })

  it('looks keys up as its own entries only', async () => {
    const dir = tempDir()
    await fileSecretStore(dir).set('k', 'v')
    for (const key of ['constructor', 'toString', '__proto__']) expect(await fileSecretStore(dir).get(key), key).toBeUndefined()
  })
})
