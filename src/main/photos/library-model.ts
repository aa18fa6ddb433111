/**
 * What Cradle takes from the phone's Photos library: one entry per asset, in plain terms, free of
 * any iOS version's table names (photos-schema.ts maps a database onto it).
 */
import type { AlbumRef } from './photo-metadata.js'

export interface PhoneAsset {
  /** Photos' id (ZUUID). */
  uuid: string
  /** AFC path of the original: '/' + ZDIRECTORY + '/' + ZFILENAME ("/DCIM/100APPLE/IMG_0001.HEIC"). */
  phonePath: string
  /** The name the file had at capture or import (ZORIGINALFILENAME; ZFILENAME when missing). */
  originalFileName: string
  kind: 'photo' | 'video'
  /** A Live Photo: its video is `motionPath`. */
  livePhoto: boolean
  /** The Live Photo's video beside the still (same stem, .MOV), or null. */
  motionPath: string | null
  /**
   * Where Photos keeps the rendered edit of an edited asset (ZHASADJUSTMENTS):
   * /PhotoData/Mutations/<dir>/<stem>/Adjustments, holding FullSizeRender.<ext> and Adjustments.plist;
   * null when unedited. Imported with the original (mutations.ts); older iOS leaves IMG_E<n> renders in DCIM.
   */
  adjustmentsDir: string | null
  /** Capture time, ms since the epoch (UTC), or null. */
  capturedAt: number | null
  /** Minutes east of UTC at capture, when the database has it. */
  offsetMinutes: number | null
  favorite: boolean
  hidden: boolean
  /** In Recently Deleted (ZTRASHEDSTATE 1). */
  trashed: boolean
  /** No original on the phone (ZINTERNALRESOURCE says so); only iCloud has it. */
  iCloudOnly: boolean
  /** Titles of the user's albums that hold it, sorted, no duplicates. */
  albums: string[]
  /** Those albums with their id (ZGENERICALBUM.ZUUID) where the database has one, sorted by title. */
  albumRefs: AlbumRef[]
}

export interface PhotoLibraryModel {
  /** What the database looked like, for the log: asset table, album entity, join table. */
  shape: { assetTable: string; albumEntity: number | null; joinTable: string | null }
  assets: PhoneAsset[]
}

export type PhotoLibraryRead =
  | { available: true; model: PhotoLibraryModel }
  | { available: false; code: 'missing' | 'unreadable' | 'unknown-shape' | 'damaged' | 'changing'; reason: string }

/** The device card's and the log's words for a library Cradle could not use. */
export function unavailableNote(reason: string): string {
  return `Albums and favorites are unavailable for this iPhone: ${reason}`
}
