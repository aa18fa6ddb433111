/**
 * How `cradle open` finds the running `cradle serve` of a data folder (as Jupyter's runtime files
 * do): while it runs, serve keeps its access link in SERVER_FILE inside the data folder, readable
 * by the data folder's owner only (0600). The link carries the token, so it is created exclusively
 * with that mode (never widened afterwards) and removed when serve stops.
 */
import fs from 'node:fs'
import path from 'node:path'
import { readHolder } from '../data-folder/data-folder-lock.js'

export const SERVER_FILE = 'cradle-serve.json'
/** The page `cradle open` hands the browser (it forwards to the link); removed with SERVER_FILE. */
export const OPEN_FILE = 'cradle-open.html'

export interface ServerRecord {
  pid: number
  url: string
  accessUrl: string
}

/** Writes the record (replacing a dead serve's) and returns what removes it. */
export function writeServerFile(dataDir: string, record: ServerRecord): () => void {
  const file = path.join(dataDir, SERVER_FILE)
  // Only the holder of the data-folder lock runs serve, so a file here is a dead serve's.
  fs.rmSync(file, { force: true })
  fs.writeFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' })
  return () => {
    fs.rmSync(file, { force: true })
    fs.rmSync(path.join(dataDir, OPEN_FILE), { force: true })
  }
}

/**
 * The running serve's record, or null when none runs: no file, a damaged one, or one left by a
 * serve that died (its pid no longer holds the data folder).
 */
export function readServerFile(dataDir: string): ServerRecord | null {
  let record: ServerRecord
  try {
    record = JSON.parse(fs.readFileSync(path.join(dataDir, SERVER_FILE), 'utf8')) as ServerRecord
  } catch {
    return null
  }
  if (typeof record?.pid !== 'number' || typeof record.url !== 'string' || typeof record.accessUrl !== 'string') return null
  return readHolder(dataDir)?.pid === record.pid ? record : null
}
