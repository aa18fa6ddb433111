/**
 * PhotoMetadata as text with a fixed key order, so equal metadata is equal text: what the upload
 * queue stores as "applied to this copy" and what the sidecar sync compares against.
 */
import type { PhotoMetadata } from './photo-metadata.js'

export function metadataJson(m: PhotoMetadata): string {
  return JSON.stringify({
    uuid: m.uuid, originalFileName: m.originalFileName, capturedAt: m.capturedAt, offsetMinutes: m.offsetMinutes,
    favorite: m.favorite, hidden: m.hidden, albums: [...m.albums],
    // Only when known, so copies applied before album ids were kept are not all applied again.
    ...(m.albumRefs && m.albumRefs.length > 0 ? { albumRefs: m.albumRefs.map((r) => ({ uuid: r.uuid, title: r.title })) } : {}),
  })
}

/** The stored text back; null when absent or not readable (then everything is applied again). */
export function parseMetadataJson(json: string | null): PhotoMetadata | null {
  if (!json) return null
  try {
    const m = JSON.parse(json) as PhotoMetadata
    return m && typeof m === 'object' && Array.isArray(m.albums) ? m : null
  } catch {
    return null
  }
}
