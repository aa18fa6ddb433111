/**
 * POST /api/commands/<name>: JSON body → validateCommandInput → handler.handle → Wire JSON.
 * Errors cross as data (the body is always a Wire); the status code mirrors them for curl users.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isCommandName, type CommandHandler, type Wire } from '../../../shared/contract.js'
import { toWireError } from '../../../shared/error-text.js'
import { toCradleError, type ErrorCode, type WireError } from '../../../shared/errors.js'
import { validateCommandInput } from '../../../shared/validate.js'
import type { Logger } from '../../logging/logger.js'

/** Command bodies are small (a destination draft is the largest); anything bigger is refused. */
export const MAX_BODY_BYTES = 1024 * 1024

const STATUS: Partial<Record<ErrorCode, number>> = {
  'invalid-input': 400,
  'access-denied': 403,
  'not-found': 404,
  busy: 409,
  internal: 500,
}

/** The HTTP status that goes with a Wire error (200 for success). */
export function statusFor(error: WireError | null): number {
  if (error === null) return 200
  return STATUS[error.code] ?? 422
}

/**
 * For a refusal sent before the body was read: the connection ends with the answer, so a client
 * trickling a body it was never allowed to send cannot hold it open (Node would drain the body
 * to keep the connection alive).
 */
export function closeAfterResponse(res: ServerResponse): void {
  res.setHeader('Connection', 'close')
  res.once('finish', () => res.req.socket.destroy())
}

export function sendWire(res: ServerResponse, wire: Wire<unknown>, headers: Record<string, string> = {}, status?: number): void {
  const body = JSON.stringify(wire)
  res.writeHead(status ?? statusFor(wire.ok ? null : wire.error), {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  })
  res.end(body)
}

const invalid = (key: string, problem: string): Wire<never> => ({ ok: false, error: toWireError('invalid-input', { key, problem }) })

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) throw new BodyTooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Runs one command request to completion; never throws. */
export async function handleCommand(req: IncomingMessage, res: ServerResponse, name: string, handler: CommandHandler, log: Logger, headers: Record<string, string>): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST')
    closeAfterResponse(res)
    res.writeHead(405, headers).end()
    return
  }
  if (!isCommandName(name)) {
    closeAfterResponse(res)
    return sendWire(res, { ok: false, error: toWireError('not-found', { key: name }) }, headers)
  }
  // A cross-site <form> can only send text/plain, urlencoded or multipart without a preflight.
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') {
    closeAfterResponse(res)
    res.writeHead(415, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('Send the command input as application/json.\n')
    return
  }
  let input: unknown
  try {
    const text = await readBody(req)
    input = text.trim() === '' ? undefined : JSON.parse(text)
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      closeAfterResponse(res)
      res.writeHead(413, headers).end()
      return
    }
    return sendWire(res, invalid('(body)', 'is not valid JSON'), headers)
  }
  const checked = validateCommandInput(name, input)
  if (!checked.ok) return sendWire(res, invalid(checked.key, checked.message), headers)
  try {
    const value = await handler.handle(name, checked.value)
    sendWire(res, { ok: true, value }, headers)
  } catch (thrown) {
    const error = toCradleError(thrown)
    if (error.code === 'internal') log.error('command failed', { command: name, error })
    else log.info('command refused', { command: name, code: error.code })
    sendWire(res, { ok: false, error: toWireError(error.code, error.context) }, headers)
  }
}
