/**
 * Secrets for headless Cradle (`serve`, `backup --once`, the CLI): a JSON file in --data that only
 * its owner may read (0600, written atomically), where an entry holds either the secret itself or
 * the name of an environment variable to read it from at run time (for servers whose secrets
 * come from systemd credentials or a container environment). Never logged, never in argv.
 */
import fs from 'node:fs'
import path from 'node:path'
import { CradleError } from '../../shared/errors.js'
import { ensurePrivateDir, writePrivateFileAtomic } from '../data-folder/private-files.js'
import type { SecretStore } from '../engine/ports.js'
import { createLogger } from '../logging/logger.js'
import type { CliContext } from './cli/command.js'

export const SECRETS_FILE = 'secrets.json'

type Entry = { value: string } | { env: string }
interface SecretsFile {
  version: 1
  secrets: Record<string, Entry>
}

const log = createLogger('headless/secrets')

export interface FileSecretStore extends SecretStore {
  /** Stores a reference: the secret is read from this environment variable whenever it is needed. */
  setFromEnv(key: string, variable: string): Promise<void>
}

export function fileSecretStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): FileSecretStore {
  const file = path.join(dataDir, SECRETS_FILE)

  const read = (): SecretsFile => {
    let text: string
    try {
      const stat = fs.statSync(file)
      // Someone loosened the permissions (a copy, a restore): tighten them before reading.
      if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
        fs.chmodSync(file, 0o600)
        log.warn('secrets file was readable by others; permissions set to 0600', { file })
      }
      text = fs.readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} }
      throw new CradleError('internal', `cannot read ${file}: ${(error as Error).message}`, { cause: error })
    }
    // The parser's own message quotes the text around the fault (`Unexpected token … "s3cr…" is
    // not valid JSON`), which here is a secret: say what is wrong without it, and keep no cause.
    let doc: SecretsFile
    try {
      doc = JSON.parse(text) as SecretsFile
    } catch {
      throw new CradleError('settings-invalid', `${file} is not a valid secrets file: it is not valid JSON`, { context: { key: SECRETS_FILE, path: file } })
    }
    if (typeof doc !== 'object' || doc === null || doc.version !== 1 || typeof doc.secrets !== 'object' || doc.secrets === null) {
      throw new CradleError('settings-invalid', `${file} is not a valid secrets file: it is not {"version": 1, "secrets": {…}}`, { context: { key: SECRETS_FILE, path: file } })
    }
    return doc
  }

  const write = (doc: SecretsFile): void => {
    ensurePrivateDir(dataDir)
    writePrivateFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`)
  }

  return {
    async get(key) {
      const secrets = read().secrets
      const entry = Object.hasOwn(secrets, key) ? secrets[key] : undefined // never Object.prototype's
      if (!entry) return undefined
      if ('env' in entry) {
        const value = env[entry.env]
        if (value === undefined || value === '') log.warn('secret variable is not set', { key, variable: entry.env })
        return value || undefined
      }
      return entry.value
    },
    async set(key, value) {
      const doc = read()
      doc.secrets[key] = { value }
      write(doc)
    },
    async setFromEnv(key, variable) {
      const doc = read()
      doc.secrets[key] = { env: variable }
      write(doc)
    },
    async delete(key) {
      const doc = read()
      if (!(key in doc.secrets)) return
      delete doc.secrets[key]
      write(doc)
    },
  }
}

/** The secret store for a headless command. */
export async function openHeadlessSecrets(ctx: Pick<CliContext, 'dataDir' | 'env'>): Promise<FileSecretStore> {
  return fileSecretStore(ctx.dataDir, ctx.env)
}
