/**
 * The PhotoMetadataSource the app injects into sidecar writers and album-aware destinations: the
 * catalog rows the Photos.sqlite reader left (catalog-photo-store.ts). Reads only; never throws for
 * an asset the phone's database did not describe (null).
 */
import type { Db } from '../library/catalog-db.js'
import { metadataForAsset } from './catalog-photo-store.js'
import type { PhotoMetadata, PhotoMetadataSource } from './photo-metadata.js'

export class CatalogMetadataSource implements PhotoMetadataSource {
  constructor(private readonly db: Db) {}

  forAsset(assetId: number): PhotoMetadata | null {
    return metadataForAsset(this.db, assetId)
  }
}
