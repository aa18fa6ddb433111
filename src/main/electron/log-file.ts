/**
 * The desktop app has no terminal: log records go to <data>/logs/main.log as JSON lines (the
 * previous run's file is kept as main.1.log once it passes a size), and to stderr in development.
 */
import { createWriteStream, openSync, renameSync, statSync } from 'node:fs'
import path from 'node:path'
import { ensurePrivateDir, PRIVATE_FILE_MODE, tightenIfPresent } from '../data-folder/private-files.js'
import type { LogRecord, LogSink } from '../logging/logger.js'

/** A log sink appending JSON lines to <dir>/main.log. */
export function createFileSink(dir: string, options: { maxBytes?: number; alsoStderr?: boolean } = {}): LogSink {
  const file = path.join(dir, 'main.log')
  // Logs name files, folders, devices and destinations: the user's only (private-files.ts).
  ensurePrivateDir(dir)
  for (const name of ['main.log', 'main.1.log']) tightenIfPresent(path.join(dir, name))
  try {
    if (statSync(file).size > (options.maxBytes ?? 5_000_000)) renameSync(file, path.join(dir, 'main.1.log'))
  } catch {
    /* no log yet */
  }
  // Opened here, not by the stream later: the file exists, 0600, when this returns.
  const out = createWriteStream('', { fd: openSync(file, 'a', PRIVATE_FILE_MODE) })
  out.on('error', () => undefined) // a full disk must not take the app down over a log line
  return (record: LogRecord) => {
    const line = `${JSON.stringify(record, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : v))}\n`
    out.write(line)
    if (options.alsoStderr) process.stderr.write(line)
  }
}
