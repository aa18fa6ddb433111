/**
 * Counting what each server CREATED, per asset, from the fault proxy's log of requests that reached
 * the server and what it answered (a lost or garbled answer still counts: the server acted). A
 * final listing with one copy per asset proves little when the server overwrites or dedupes;
 * these counts prove the client itself sent each create once, or re-sent it only after removing
 * a damaged copy.
 */
import type { Fault, LoggedRequest } from '../../fakes/fault-proxy.js'

export interface KeyCount {
  /** Creates the server accepted (2xx) for this key. */
  creates: number
  /** Of those, creates whose bytes were flipped on the way (by the proxy). */
  damaged: number
  /** Deletes the server accepted for this key (a damaged copy removed by the client). */
  deletes: number
}

const reached = (r: LoggedRequest): boolean => r.status !== undefined && r.fault !== 'status' && r.fault !== 'stall' && r.fault !== 'reset-body'
const ok = (r: LoggedRequest): boolean => reached(r) && r.status! >= 200 && r.status! < 300
const flipped = (r: LoggedRequest): boolean => r.fault === 'corrupt-body' && r.flippedAt !== undefined

/** Parts (upload id + number) that hold flipped bytes: a part sent again whole replaces its damage. */
class DamagedParts {
  private readonly parts = new Set<string>()
  record(upload: string, part: string, damaged: boolean): void {
    if (damaged) this.parts.add(`${upload}#${part}`)
    else this.parts.delete(`${upload}#${part}`)
  }
  has(upload: string): boolean {
    return [...this.parts].some((p) => p.startsWith(`${upload}#`))
  }
}

function bump(m: Map<string, KeyCount>, key: string, field: keyof KeyCount): void {
  const c = m.get(key) ?? { creates: 0, damaged: 0, deletes: 0 }
  c[field]++
  m.set(key, c)
}

const pathOf = (r: LoggedRequest): string => decodeURIComponent(r.url.split('?')[0]!)
const query = (r: Pick<LoggedRequest, 'url'>): URLSearchParams => new URLSearchParams(r.url.split('?')[1] ?? '')

/** S3 request kinds: a whole-object PUT, a part, a Complete; null for anything else. */
export function s3Kind(r: Pick<LoggedRequest, 'method' | 'url' | 'headers'>): 'put' | 'part' | 'complete' | null {
  const q = query(r)
  if (r.method === 'PUT' && !r.headers['x-amz-copy-source']) return q.has('partNumber') ? 'part' : 'put'
  if (r.method === 'POST' && q.has('uploadId')) return 'complete'
  return null
}

/** S3 (path style): PutObject and CompleteMultipartUpload create; keys under `/<bucket>/`. */
export function s3Creates(log: readonly LoggedRequest[], bucket: string): Map<string, KeyCount> {
  const out = new Map<string, KeyCount>()
  const damagedUploads = new DamagedParts()
  const key = (r: LoggedRequest): string => pathOf(r).slice(bucket.length + 2)
  for (const r of log) {
    const kind = s3Kind(r)
    if (kind === 'part' && ok(r)) damagedUploads.record(query(r).get('uploadId')!, query(r).get('partNumber')!, flipped(r))
    if ((kind === 'put' || kind === 'complete') && ok(r)) {
      bump(out, key(r), 'creates')
      if (kind === 'put' ? flipped(r) : damagedUploads.has(query(r).get('uploadId')!)) bump(out, key(r), 'damaged')
    }
    if (r.method === 'DELETE' && ok(r) && !query(r).has('uploadId')) bump(out, key(r), 'deletes')
  }
  return out
}

/**
 * WebDAV under `base` (a PUT answered 201/204 creates; Nextcloud's chunked upload creates at the
 * MOVE of `.file` to its Destination, damaged when one of its chunks was).
 */
export function davCreates(log: readonly LoggedRequest[], base: string, uploadsBase?: string): Map<string, KeyCount> {
  const out = new Map<string, KeyCount>()
  const damagedUploads = new DamagedParts()
  const rel = (p: string): string | null => (p.startsWith(`${base}/`) ? p.slice(base.length + 1) : null)
  for (const r of log) {
    const p = pathOf(r)
    if (uploadsBase && p.startsWith(`${uploadsBase}/`)) {
      const [id, name] = p.slice(uploadsBase.length + 1).split('/')
      if (r.method === 'PUT' && ok(r)) damagedUploads.record(id!, name!, flipped(r))
      if (r.method === 'MOVE' && name === '.file' && ok(r)) {
        const target = rel(decodeURIComponent(new URL(String(r.headers.destination)).pathname))
        if (target !== null) {
          bump(out, target, 'creates')
          if (damagedUploads.has(id!)) bump(out, target, 'damaged')
        }
      }
      continue
    }
    const key = rel(p)
    if (key === null) continue
    if (r.method === 'PUT' && ok(r)) {
      bump(out, key, 'creates')
      if (flipped(r)) bump(out, key, 'damaged')
    }
    if (r.method === 'DELETE' && ok(r)) bump(out, key, 'deletes')
  }
  return out
}

/** Requests the plan gave `kind` to (and that reached the server, for the kinds that forward). */
export function injected(log: readonly LoggedRequest[], kind: Fault['kind']): LoggedRequest[] {
  return log.filter((r) => r.fault === kind && (kind !== 'corrupt-body' || r.flippedAt !== undefined))
}
