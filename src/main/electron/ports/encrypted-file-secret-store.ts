/**
 * SecretStore for the desktop app: each secret is encrypted by the OS (Electron safeStorage:
 * Keychain, DPAPI, libsecret/KWallet) and the ciphertext kept in one JSON file in the data folder,
 * written atomically with mode 0600. The cipher is injected, so this file logic runs in tests.
 * A file that cannot be read is moved aside, never overwritten; a secret that no longer decrypts
 * (the keyring was reset) reads as absent, so its destination asks the user to sign in again.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { CradleError } from '../../../shared/errors.js'
import { tempPathFor } from '../../data-folder/private-files.js'
import type { SecretStore } from '../../engine/ports.js'
import { createLogger } from '../../logging/logger.js'

const log = createLogger('electron/secrets')

/** What safeStorage offers, as the store needs it. */
export interface SecretCipher {
  available(): Promise<boolean>
  encrypt(plainText: string): Promise<Buffer>
  decrypt(data: Buffer): Promise<{ value: string; shouldReEncrypt: boolean }>
}

interface SecretsFile {
  version: 1
  /** key → base64 ciphertext */
  secrets: Record<string, string>
}

const isSecretsFile = (v: unknown): v is SecretsFile =>
  typeof v === 'object' && v !== null && (v as SecretsFile).version === 1 &&
  typeof (v as SecretsFile).secrets === 'object' && (v as SecretsFile).secrets !== null &&
  Object.values((v as SecretsFile).secrets).every((s) => typeof s === 'string')

// Keys are opaque strings from the engine: a prototype-less map keeps "__proto__" an ordinary key.
const empty = (): SecretsFile => ({ version: 1, secrets: Object.create(null) as Record<string, string> })

/** A SecretStore keeping OS-encrypted secrets in `file`; `weakness` is shown to the user when set. */
export function createEncryptedFileSecretStore(file: string, cipher: SecretCipher, weakness?: string): SecretStore {
  // One operation at a time: a get that re-encrypts and a set must not interleave their writes.
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = chain.then(op, op)
    chain = next.catch(() => undefined)
    return next
  }

  const load = async (): Promise<SecretsFile> => {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty()
      throw error
    }
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      doc = undefined
    }
    if (isSecretsFile(doc)) return { version: 1, secrets: Object.assign(empty().secrets, doc.secrets) }
    const aside = `${file}.unreadable-${Date.now()}`
    await rename(file, aside)
    log.error('secrets file unreadable, kept aside', { file: aside })
    return empty()
  }

  const save = async (doc: SecretsFile): Promise<void> => {
    await mkdir(path.dirname(file), { recursive: true })
    const temp = tempPathFor(file)
    await writeFile(temp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    await chmod(temp, 0o600) // umask may have widened the mode; the rename keeps this one
    await rename(temp, file)
  }

  const requireCipher = async (): Promise<void> => {
    if (!(await cipher.available())) throw new CradleError('internal', 'OS secret storage is not available')
  }

  return {
    weakness,
    get: (key) =>
      serial(async () => {
        const doc = await load()
        const stored = doc.secrets[key]
        if (typeof stored !== 'string') return undefined
        await requireCipher()
        try {
          const { value, shouldReEncrypt } = await cipher.decrypt(Buffer.from(stored, 'base64'))
          if (shouldReEncrypt) {
            doc.secrets[key] = (await cipher.encrypt(value)).toString('base64')
            await save(doc)
          }
          return value
        } catch (error) {
          log.warn('secret could not be decrypted', { key, error })
          return undefined
        }
      }),
    set: (key, value) =>
      serial(async () => {
        await requireCipher()
        const doc = await load()
        doc.secrets[key] = (await cipher.encrypt(value)).toString('base64')
        await save(doc)
      }),
    delete: (key) =>
      serial(async () => {
        const doc = await load()
        if (doc.secrets[key] === undefined) return
        delete doc.secrets[key]
        await save(doc)
      }),
  }
}
