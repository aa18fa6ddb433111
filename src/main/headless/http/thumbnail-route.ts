/**
 * GET /api/thumbnails/<item id>: a queue item's cheap thumbnail as an image, 404 when it has none.
 * Authorised like every /api route, by the Authorization header: the window fetches the image
 * with it and shows it from a blob: URL (an <img src> could carry only an ambient cookie).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { THUMBNAIL_CACHE_CONTROL, thumbnailItemIdOf, type CommandHandler } from '../../../shared/contract.js'
import type { Logger } from '../../logging/logger.js'

export async function handleThumbnail(req: IncomingMessage, res: ServerResponse, pathname: string, handler: CommandHandler, log: Logger, headers: Record<string, string>): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end()
  const itemId = thumbnailItemIdOf(pathname)
  const image = itemId === null ? null : await handler.thumbnail(itemId).catch((error: unknown) => {
    log.warn('thumbnail failed', { itemId, error })
    return null
  })
  if (!image) return void res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('No thumbnail\n')
  res.writeHead(200, { ...headers, 'Content-Type': image.contentType, 'Content-Length': image.bytes.byteLength, 'Cache-Control': THUMBNAIL_CACHE_CONTROL })
  res.end(req.method === 'HEAD' ? undefined : image.bytes)
}
