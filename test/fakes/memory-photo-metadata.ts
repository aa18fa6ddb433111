/** An in-memory PhotoMetadataSource: what the phone's Photos library says, set by the test. */
import type { PhotoMetadata, PhotoMetadataSource } from '../../src/main/photos/photo-metadata.js'

export class MemoryPhotoMetadata implements PhotoMetadataSource {
  readonly byAsset = new Map<number, PhotoMetadata>()

  forAsset(assetId: number): PhotoMetadata | null {
    return this.byAsset.get(assetId) ?? null
  }

  set(assetId: number, meta: PhotoMetadata): void {
    this.byAsset.set(assetId, meta)
  }

  update(assetId: number, patch: Partial<PhotoMetadata>): void {
    const m = this.byAsset.get(assetId)
    if (!m) throw new Error(`no metadata for asset ${assetId}`)
    this.byAsset.set(assetId, { ...m, ...patch })
  }
}

export function photoMeta(over: Partial<PhotoMetadata> = {}): PhotoMetadata {
  return {
    uuid: 'A1B2C3D4-0000-4000-8000-000000000001',
    originalFileName: 'IMG_0001.HEIC',
    capturedAt: Date.UTC(2026, 10, 1, 9, 30),
    offsetMinutes: 60,
    favorite: true,
    hidden: false,
    albums: ['Été 2026'],
    ...over,
  }
}
