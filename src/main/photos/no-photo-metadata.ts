/**
 * The metadata source to use where no phone database was read: every asset is "not described",
 * so no sidecar is written and destinations only receive files.
 */
import type { PhotoMetadataSource } from './photo-metadata.js'

export const noPhotoMetadata: PhotoMetadataSource = { forAsset: () => null }
