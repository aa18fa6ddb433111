/**
 * GET /api/files/<item id>: a queue item's library file, streamed whole for the browser to show
 * (Content-Disposition: inline). The path comes from the catalog through the engine
 * (CommandHandler.libraryFile: resolved, links followed, confined to the library root), never from
 * the request. The file is opened without following a link at its last step and must still be a
 * regular file of the size resolved, so a link swapped in between is not followed.
 */
import { constants } from 'node:fs'
import fs from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { fileItemIdOf, type CommandHandler, type LibraryFile } from '../../../shared/contract.js'
import { isCradleError } from '../../../shared/errors.js'
import type { Logger } from '../../logging/logger.js'

/**
 * The file is shown on its own, in a sandbox: even a file that claimed to be a page could run no
 * script on the window's origin (where the token is kept).
 */
export const FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"

/** `filename*` (RFC 6266 / 5987) keeps any name intact; the plain one is an ASCII stand-in. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

function notFound(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('Not in the library\n')
}

export async function handleFile(req: IncomingMessage, res: ServerResponse, pathname: string, handler: CommandHandler, log: Logger, headers: Record<string, string>): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end()
  const itemId = fileItemIdOf(pathname)
  if (itemId === null) return notFound(res, headers)
  let file: LibraryFile
  try {
    file = await handler.libraryFile(itemId)
  } catch (error) {
    if (isCradleError(error, 'not-found') || isCradleError(error, 'not-in-library')) return notFound(res, headers)
    throw error
  }
  let handle: fs.FileHandle
  try {
    handle = await fs.open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (error) {
    log.info('library file not opened', { itemId, error })
    return notFound(res, headers)
  }
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) return notFound(res, headers)
    res.writeHead(200, {
      ...headers,
      'Content-Security-Policy': FILE_CSP,
      'Content-Type': file.contentType,
      'Content-Length': stat.size,
      'Content-Disposition': contentDisposition(path.basename(file.path)),
      'Cache-Control': 'private, no-store',
    })
  } catch (error) {
    await handle.close()
    throw error
  }
  if (req.method === 'HEAD') {
    await handle.close()
    return void res.end()
  }
  // The stream closes the handle when it ends or is destroyed (autoClose).
  const stream = handle.createReadStream()
  stream.once('error', (error) => {
    log.warn('library file read failed', { itemId, error })
    res.destroy()
  })
  res.once('close', () => stream.destroy())
  stream.pipe(res)
}
