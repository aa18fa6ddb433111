/** The device card's view of a phone's Photos library, from the catalog. */
import type { PhotoLibraryView } from '../../shared/state.js'
import type { Db } from '../library/catalog-db.js'
import { photoLibraryReport } from './catalog-photo-store.js'
import { unavailableNote } from './library-model.js'

export function photoLibraryView(db: Db, udid: string): PhotoLibraryView | null {
  const r = photoLibraryReport(db, udid)
  if (!r) return null
  const { reason, ...rest } = r
  return { ...rest, note: r.available ? null : unavailableNote(reason ?? 'it could not be read') }
}
