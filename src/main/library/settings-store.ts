/**
 * settings.json in --data: versioned, validated with the shared validator, written atomically
 * (temp file + fsync + rename). A file that does not parse or validate is renamed aside
 * (settings.json.bad-<time>) and reported with the bad key: never silently replaced.
 */
import fs from 'node:fs'
import path from 'node:path'
import { CradleError } from '../../shared/errors.js'
import { validateSettings, type Settings } from '../../shared/settings.js'
import { ensurePrivateDir, writePrivateFileAtomic } from '../data-folder/private-files.js'
import { createLogger } from '../logging/logger.js'

const log = createLogger('library/settings-store')
export const SETTINGS_FILE = 'settings.json'

export interface LoadedSettings {
  settings: Settings
  /** Set when the file on disk was bad: kept aside at `keptAside`, defaults are in use. */
  problem: CradleError | null
  keptAside: string | null
}

/** Reads settings.json; a missing file gives the defaults, a bad one is kept aside and reported. */
export function loadSettings(dataDir: string, defaults: Settings, now: Date = new Date()): LoadedSettings {
  const file = path.join(dataDir, SETTINGS_FILE)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { settings: defaults, problem: null, keptAside: null }
    throw new CradleError('settings-invalid', `cannot read ${file}: ${(e as Error).message}`, { cause: e, context: { path: file } })
  }
  let key: string
  let message: string
  try {
    const result = validateSettings(JSON.parse(text), defaults)
    if (result.ok) return { settings: result.value, problem: null, keptAside: null }
    ;({ key, message } = result)
  } catch (e) {
    key = '(file)'
    message = `is not valid JSON (${(e as Error).message})`
  }
  const aside = `${file}.bad-${now.toISOString().replace(/[:.]/g, '-')}`
  fs.renameSync(file, aside)
  log.warn('settings file kept aside', { key, message, aside })
  const problem = new CradleError('settings-invalid', `${SETTINGS_FILE}: "${key}" ${message}; kept as ${path.basename(aside)}`, { context: { key, path: aside } })
  return { settings: defaults, problem, keptAside: aside }
}

/** Writes settings.json atomically: a reader sees the old file or the new one, never half. */
export function saveSettings(dataDir: string, settings: Settings): void {
  const result = validateSettings(settings, settings)
  if (!result.ok) throw new CradleError('settings-invalid', `"${result.key}" ${result.message}`, { context: { key: result.key } })
  ensurePrivateDir(dataDir)
  writePrivateFileAtomic(path.join(dataDir, SETTINGS_FILE), `${JSON.stringify(result.value, null, 2)}\n`)
}
