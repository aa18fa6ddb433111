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
})
