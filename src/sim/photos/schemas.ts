/**
 * The Photos.sqlite shapes the simulator writes, one per modelled iOS generation. Only what the
 * facts in src/main/photos/README.md support: table and column names, and the Core Data entity
 * numbers that name the album↔asset join table (Z_<Album>ASSETS with columns Z_<Album>ALBUMS and
 * Z_<asset root>ASSETS). Entity numbers not pinned by a source (GenericAlbum, the others) are
 * choices, marked so.
 */
export type PhotosSchema = 'ios13' | 'ios14' | 'ios17'
export const PHOTOS_SCHEMAS: readonly PhotosSchema[] = ['ios13', 'ios14', 'ios17']

export interface SchemaShape {
  /** The table all assets live in (the root asset entity's table). */
  assetTable: 'ZGENERICASSET' | 'ZASSET'
  /** Z_PRIMARYKEY rows: [Z_ENT, Z_NAME, Z_SUPER]. */
  entities: [number, string, number][]
  /** Z_ENT stamped on asset rows (the concrete entity, 'Asset'). */
  assetEnt: number
  /** Entity number of the asset table's root entity (names the join table's asset column). */
  assetRootEnt: number
  albumEnt: number
  additionalAttributesEnt: number
  internalResourceEnt: number
}

export const SCHEMAS: Record<PhotosSchema, SchemaShape> = {
  // iOS 13: ZGENERICASSET, join Z_26ASSETS (Z_26ALBUMS, Z_34ASSETS) — iLEAPP Ph022, iOS 13 branch;
  // GenericAsset 34 / Asset 35 / Album 26 under GenericAlbum 25 as in osxphotos' Z_PRIMARYKEY listing.
  ios13: {
    assetTable: 'ZGENERICASSET',
    entities: [[1, 'AdditionalAssetAttributes', 0], [25, 'GenericAlbum', 0], [26, 'Album', 25], [32, 'Folder', 25], [34, 'GenericAsset', 0], [35, 'Asset', 34], [36, 'InternalResource', 0]],
    assetEnt: 35,
    assetRootEnt: 34,
    albumEnt: 26,
    additionalAttributesEnt: 1,
    internalResourceEnt: 36,
  },
  // iOS 14: ZASSET (entity 3), join Z_26ASSETS (Z_26ALBUMS, Z_3ASSETS) — iLEAPP Ph022 / photosMetadata.
  ios14: {
    assetTable: 'ZASSET',
    // choice: GenericAlbum = Album − 1, the other numbers plausible and unused by the join.
    entities: [[1, 'AdditionalAssetAttributes', 0], [3, 'Asset', 0], [25, 'GenericAlbum', 0], [26, 'Album', 25], [32, 'Folder', 25], [38, 'InternalResource', 0]],
    assetEnt: 3,
    assetRootEnt: 3,
    albumEnt: 26,
    additionalAttributesEnt: 1,
    internalResourceEnt: 38,
  },
  // iOS 16 – 17.5: ZASSET (3), join Z_28ASSETS (Z_28ALBUMS, Z_3ASSETS) — iLEAPP Ph022, "16 ≤ v < 17.6".
  ios17: {
    assetTable: 'ZASSET',
    entities: [[1, 'AdditionalAssetAttributes', 0], [3, 'Asset', 0], [27, 'GenericAlbum', 0], [28, 'Album', 27], [34, 'Folder', 27], [40, 'InternalResource', 0]],
    assetEnt: 3,
    assetRootEnt: 3,
    albumEnt: 28,
    additionalAttributesEnt: 1,
    internalResourceEnt: 40,
  },
}

/** Seconds from 1970-01-01 to 2001-01-01: Core Data stores dates as seconds since 2001 (Mac absolute time). */
export const MAC_EPOCH_OFFSET_S = 978_307_200
