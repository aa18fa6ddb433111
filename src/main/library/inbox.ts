/**
 * The watched inbox folder: files dropped there (once their writes settle) are imported like
 * phone files: dated, grouped, deduplicated. Cradle never deletes or moves the user's files in
 * the inbox; an unchanged file seen again (restart) is recognised by its catalog row and skipped.
 * Links are never followed (inbox-open.ts): a link, or a file whose real place is outside the
 * inbox, is skipped with a log line saying why.
 */
import fsp from 'node:fs/promises'
import path from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import { toCradleError, type CradleError } from '../../shared/errors.js'
import { createLogger } from '../logging/logger.js'
import { handleImportSource } from './file-source.js'
import { INBOX_REFUSAL_REASON, openInboxFile, type InboxRefusal } from './inbox-open.js'
import type { ImportOutcome } from './importer.js'
import { INBOX_UDID, type Library } from './library.js'
import { STAGING_DIR } from './staging.js'
import { isSidecarName } from './sidecar-name.js'

const log = createLogger('library/inbox')

export interface InboxOptions {
  library: Library
  folder: string
  /** How long a file's size must stay unchanged before it is imported (chokidar awaitWriteFinish). */
  stabilityMs?: number
  onImported?: (file: string, outcome: ImportOutcome) => void
  /** A file that could not be imported now; it stays pending and is retried at the next start. */
  onError?: (file: string, error: CradleError) => void
  /** A path that is not imported, and never will be as it is: a link, or a file outside the inbox. */
  onSkipped?: (file: string, refusal: InboxRefusal) => void
}

export class InboxWatcher {
  private watcher: FSWatcher | null = null
  private chain: Promise<void> = Promise.resolve()
  private readonly abort = new AbortController()
  private connection = 0
  private realRoot = ''

  constructor(private readonly o: InboxOptions) {}

  /** Starts watching; resolves once the initial scan is done (existing files are queued). */
  async start(): Promise<void> {
    const folder = path.resolve(this.o.folder)
    // The inbox itself may be a link the user made (~/Inbox → /mnt/share/Inbox): files must be
    // inside where it really is. Links inside it are never followed.
    this.realRoot = await fsp.realpath(folder)
    this.connection = this.o.library.beginConnection({ udid: INBOX_UDID, name: 'Inbox' }, 'inbox')
    const w = watch(folder, {
      ignoreInitial: false,
      awaitWriteFinish: { stabilityThreshold: this.o.stabilityMs ?? 2000, pollInterval: 100 },
      // An XMP sidecar (`IMG_1.JPG.xmp`) is metadata, not a photo: the library writes its own.
      ignored: (p) => path.basename(p).startsWith('.') || path.basename(p) === STAGING_DIR || isSidecarName(path.basename(p)),
      depth: 8,
      // Links are reported as themselves (and skipped in importOne), never descended into.
      followSymlinks: false,
    })
    this.watcher = w
    w.on('add', (p) => this.enqueue(folder, p))
    w.on('change', (p) => this.enqueue(folder, p))
    w.on('unlink', (p) => this.o.library.markGone(INBOX_UDID, toSourcePath(folder, p)))
    w.on('error', (e) => log.warn('inbox watcher error', { error: e }))
    await new Promise<void>((resolve) => w.once('ready', () => resolve()))
  }

  /** Resolves when every file seen so far has been handled. */
  idle(): Promise<void> {
    return this.chain
  }

  /** Stops watching; an import in progress is interrupted and resumes at the next start. */
  async stop(): Promise<void> {
    await this.watcher?.close()
    this.watcher = null
    this.abort.abort(new Error('inbox stopped'))
    await this.chain
  }

  private enqueue(folder: string, abs: string): void {
    this.chain = this.chain.then(() => this.importOne(folder, abs))
  }

  private async importOne(folder: string, abs: string): Promise<void> {
    if (this.abort.signal.aborted) return
    try {
      const opened = await openInboxFile(this.realRoot, abs)
      if (!opened.ok) {
        log.warn('inbox file skipped', { file: abs, reason: INBOX_REFUSAL_REASON[opened.refusal] })
        this.o.onSkipped?.(abs, opened.refusal)
        return
      }
      try {
        const st = opened.stat
        const id = this.o.library.recordFile(INBOX_UDID, {
          path: toSourcePath(folder, abs),
          size: Number(st.size),
          mtimeNs: st.mtimeNs,
          birthtimeNs: st.birthtimeNs,
        })
        const outcome = await this.o.library.importFile(id, handleImportSource(opened.handle), { signal: this.abort.signal, connection: this.connection })
        this.o.onImported?.(abs, outcome)
      } finally {
        await opened.handle.close().catch(() => undefined)
      }
    } catch (e) {
      const err = toCradleError(e)
      if (err.code === 'aborted' || this.abort.signal.aborted) return
      log.warn('inbox import failed', { file: abs, code: err.code })
      this.o.onError?.(abs, err)
    }
  }
}

/** '/sub/photo.jpg' relative to the inbox, '/' separators, like a phone path. */
function toSourcePath(folder: string, abs: string): string {
  return `/${path.relative(folder, abs).split(path.sep).join('/')}`
}
