/**
 * What the phone's Photos library (Photos.sqlite) says about one asset, beyond its bytes.
 *
 * The reader (photos-db) fills this from the phone's database; the library writes it into XMP
 * sidecars and destinations that have albums and favorites (Immich, Google Photos) apply it. It
 * is the one shape both sides agree on, so it stays small and free of any schema version's names.
 */
export interface PhotoMetadata {
  /** Photos' own id of the asset (ZASSET.ZUUID), stable across renames and iOS versions. */
  uuid: string
  /** The name the file had when it was taken or imported (ZADDITIONALASSETATTRIBUTES.ZORIGINALFILENAME). */
  originalFileName: string
  /** Capture time as Photos records it, ms since the epoch (UTC); null when the database has none. */
  capturedAt: number | null
  /** Minutes east of UTC at capture time, when known. */
  offsetMinutes: number | null
  favorite: boolean
  hidden: boolean
  /** Titles of the user's albums that hold the asset, sorted, without duplicates. */
  albums: string[]
  /**
   * The same albums with Photos' own id (ZGENERICALBUM.ZUUID), which a rename keeps: a destination
   * renames its album rather than making another. Absent in metadata read before ids were kept.
   */
  albumRefs?: AlbumRef[]
}

/** One of the user's albums on the phone: its stable id and its title now. */
export interface AlbumRef {
  uuid: string
  title: string
  /**
   * Titles the catalog read for this id before (newest first, a few): what lets a destination find
   * the album it made under an old title when it never learnt the id (applied before ids were kept).
   */
  formerTitles?: string[]
}

/**
 * Where the metadata of an imported library asset is looked up (the catalog, filled by the
 * reader). Injected into whatever needs it, so destinations never read the catalog themselves.
 */
export interface PhotoMetadataSource {
  /** The metadata for a library asset (assets.id), or null when the phone's database did not describe it. */
  forAsset(assetId: number): PhotoMetadata | null
}
