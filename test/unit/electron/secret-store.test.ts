/**
 * The safeStorage-backed store with real files in a temp folder. safeStorage itself cannot run
 * here: the cipher is a fake written from its documented API (encryptStringAsync →
 * Buffer, decryptStringAsync → { result, shouldReEncrypt }), doing real AES-GCM.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configureLogging } from '../../../src/main/logging/logger.js'
import { createEncryptedFileSecretStore, type SecretCipher } from '../../../src/main/electron/ports/encrypted-file-secret-store.js'

function fakeCipher(key = randomBytes(32)): SecretCipher & { reEncrypt: boolean; available_: boolean } {
  const c = {
    reEncrypt: false,
    available_: true,
    available: async () => c.available_,
    encrypt: async (plain: string) => {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), body])
    },
    decrypt: async (data: Buffer) => {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12))
      decipher.setAuthTag(data.subarray(12, 28))
      const value = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8')
      return { value, shouldReEncrypt: c.reEncrypt }
    },
  }
  return c
}

let dir: string
let file: string
beforeAll(() => configureLogging({ level: 'silent' }))
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cradle-secrets-'))
  file = path.join(dir, 'data', 'secrets-safestorage.json')
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('encrypted file secret store', () => {
  it('round-trips secrets and never writes them in clear', async () => {
    const store = createEncryptedFileSecretStore(file, fakeCipher())
    expect(await store.get('immich-1')).toBeUndefined()
    await store.set('immich-1', 'api-key-ABC123')
    await store.set('__proto__', 'odd key')
    expect(await store.get('immich-1')).toBe('api-key-ABC123')
    expect(await store.get('__proto__')).toBe('odd key')
    expect(await store.get('constructor')).toBeUndefined()
    const text = await readFile(file, 'utf8')
    expect(text).not.toContain('api-key-ABC123')
    expect(Object.keys(JSON.parse(text).secrets)).toEqual(['immich-1', '__proto__'])
    await store.delete('immich-1')
    expect(await store.get('immich-1')).toBeUndefined()
    expect(await store.get('__proto__')).toBe('odd key')
  })

  it('keeps the file private (0600)', async () => {
    const store = createEncryptedFileSecretStore(file, fakeCipher())
    await store.set('k', 'v')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('a fresh store reads what an earlier one wrote', async () => {
    const cipher = fakeCipher()
    await createEncryptedFileSecretStore(file, cipher).set('k', 'v')
    expect(await createEncryptedFileSecretStore(file, cipher).get('k')).toBe('v')
  })

  it('concurrent sets all land', async () => {
    const store = createEncryptedFileSecretStore(file, fakeCipher())
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${i}`, `v${i}`)))
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => store.get(`k${i}`)))
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`))
  })

  it('a secret that no longer decrypts (keyring reset) reads as absent', async () => {
    await createEncryptedFileSecretStore(file, fakeCipher()).set('k', 'v')
    expect(await createEncryptedFileSecretStore(file, fakeCipher()).get('k')).toBeUndefined()
  })

  it('re-encrypts when the OS asks for it', async () => {
    const cipher = fakeCipher()
    const store = createEncryptedFileSecretStore(file, cipher)
    await store.set('k', 'v')
    const before = await readFile(file, 'utf8')
    cipher.reEncrypt = true
    expect(await store.get('k')).toBe('v')
    expect(await readFile(file, 'utf8')).not.toBe(before)
  })

  it('an unreadable file is kept aside, not overwritten', async () => {
    const store = createEncryptedFileSecretStore(file, fakeCipher())
    await store.set('k', 'v')
    await writeFile(file, '{ this is not json')
    expect(await store.get('k')).toBeUndefined()
    await store.set('k2', 'v2')
    const names = await readdir(path.dirname(file))
    const aside = names.find((n) => n.startsWith('secrets-safestorage.json.unreadable-'))
    expect(aside).toBeDefined()
    expect(await readFile(path.join(path.dirname(file), aside!), 'utf8')).toBe('{ this is not json')
    expect(await store.get('k2')).toBe('v2')
  })

  it('refuses to store when the OS cannot encrypt, and carries the weakness', async () => {
    const cipher = fakeCipher()
    cipher.available_ = false
    const store = createEncryptedFileSecretStore(file, cipher, 'Saved passwords are not protected by a keyring.')
    await expect(store.set('k', 'v')).rejects.toMatchObject({ code: 'internal' })
    await expect(stat(file)).rejects.toThrow()
    expect(store.weakness).toBe('Saved passwords are not protected by a keyring.')
    expect(createEncryptedFileSecretStore(file, fakeCipher()).weakness).toBeUndefined()
  })
})
