/**
 * "Test connection" writes for real where that is harmless (folder, S3, WebDAV): a tiny object
 * under an obviously named key, read back, compared and deleted. A check that only looks at the
 * folder or bucket passes for a read-only key, then every upload fails. Photo services (Immich,
 * Google Photos) get no probe: a test photo would show up in the user's timeline.
 */
import { randomBytes } from 'node:crypto'
import { CradleError } from '../../shared/errors.js'
import { formatBytes } from '../../shared/format.js'

/** What a write probe found: free space where the destination reports it. */
export interface ProbeResult {
  freeBytes: number | null
}

/** A fresh probe: `.cradle-write-test-<random>` and a few bytes that say what they are. */
export function newProbe(): { name: string; body: Buffer } {
  const tag = randomBytes(6).toString('hex')
  return { name: `.cradle-write-test-${tag}`, body: Buffer.from(`Cradle connection test ${tag}; safe to delete.\n`) }
}

/** Throws when what was read back is not what was written. */
export function mustReadBack(where: string, sent: Buffer, got: Buffer): void {
  if (!sent.equals(got)) throw new CradleError('destination-rejected', `the test file ${where} read back with different bytes (${got.length} bytes, ${sent.length} sent)`)
}

/** The "Test" success line: says what was actually proven. */
export function testPassedMessage(name: string, probe: ProbeResult | null): string {
  if (!probe) return `${name} is reachable and signed in (no test photo is sent: it would show in your photos).`
  const free = probe.freeBytes != null && Number.isFinite(probe.freeBytes) ? ` · ${formatBytes(probe.freeBytes)} free` : ''
  return `${name} is reachable; a test file was written, read back and removed${free}.`
}
