/**
 * The safety ledger: for each phone and in total, where its photos are safe — the library (file
 * there and its hash not found wrong; verified_at says when it was last checked) and each
 * destination (uploaded; verified_at when a check last found it right, or the upload itself was
 * proven by a checksum; a place counts as verified only when every copy there is). This is what tells a person
 * whether it is safe to free space on the phone. Reads the library's and the uploads' tables.
 *
 * Counting is in photos and videos, as the Photos app counts (a Live Photo's still and video, an
 * edit's render and .AAE are one: a family of files, one library group).
 * A phone's items are the families its last listing showed (as itemsOnPhone: without what the
 * user put in Recently Deleted and the library does not have); items only in
 * iCloud cannot be anywhere yet and are counted apart. A place is expected to hold every other item
 * except the roles it does not take (an upload row 'skipped'); "safe in N places" counts the
 * places that hold all they should. The total counts the library's assets (each stored once,
 * whatever phone it came from), the phones' files not in the library yet (waiting or unreadable:
 * they may turn out to be copies of an asset, but until then they are not safe anywhere) and the
 * items only in iCloud.
 */
import type { SafetyPlace, SafetySummary, SafetyView } from '../../shared/state.js'
import { hasTable, stmt, type Db } from '../library/catalog-db.js'
import { familyFolderSql } from '../library/naming.js'
import { trashedFile } from '../library/scan-plan.js'

/** A file the user put in Recently Deleted that the library does not have is not one of the phone's items (as itemsOnPhone). */
/** An edit kept under Mutations belongs to its original's family (naming.ts familyFolder). */
const FAMILY_FOLDER = familyFolderSql('d.folder')
const THROWN_AWAY = `(d.state NOT IN ('done','duplicate') AND ${trashedFile('d')})`

export interface LedgerDestination {
  id: string
  name: string
}

interface PlaceRow { destination_id: string; safe: number; skipped: number; verified: number | null }

function summary(items: number, onlyInICloud: number, library: Omit<SafetyPlace, 'id' | 'name'>, destinations: readonly LedgerDestination[], rows: readonly PlaceRow[]): SafetySummary {
  const byId = new Map(rows.map((r) => [r.destination_id, r]))
  const expected = items - onlyInICloud
  const places: SafetyPlace[] = [
    { id: 'library', name: 'Library', ...library },
    ...destinations.map((d) => {
      const r = byId.get(d.id)
      return { id: d.id, name: d.name, safe: r?.safe ?? 0, of: expected - (r?.skipped ?? 0), verifiedAt: r?.verified ?? null }
    }),
  ]
  return { items, onlyInICloud, safeIn: places.filter((p) => p.of > 0 && p.safe >= p.of).length, places }
}

/** The ledger for every phone (kind 'phone') and in total. */
export function safetyLedger(db: Db, destinations: readonly LedgerDestination[]): SafetyView {
  const hasUploads = hasTable(db, 'uploads')
  const phones = stmt<[], { udid: string; name: string }>(db, "SELECT udid, name FROM devices WHERE kind = 'phone' ORDER BY name").all()
  // One photo or video per family of files (source folder + base stem: a Live Photo's still and
  // video, an edit's render and .AAE): safe in a place only when every file of it is.
  const phoneCounts = stmt<[string], { items: number; icloud: number; safe: number; verified: number | null }>(db, `
    SELECT COUNT(*) AS items, COALESCE(SUM(icloud), 0) AS icloud, COALESCE(SUM(safe), 0) AS safe, MIN(verified) AS verified FROM (
      SELECT MAX(d.state = 'not-on-phone') AS icloud,
        MIN(d.state IN ('done','duplicate') AND a.id IS NOT NULL AND a.damage IS NULL) AS safe,
        MIN(CASE WHEN d.state IN ('done','duplicate') THEN a.verified_at END) AS verified
      FROM device_files d LEFT JOIN assets a ON a.id = d.asset_id WHERE d.udid = ? AND d.present = 1 AND NOT ${THROWN_AWAY}
      GROUP BY ${FAMILY_FOLDER}, d.base_stem)`)
  const phonePlaces = hasUploads
    ? stmt<[string], PlaceRow>(db, `
      SELECT destination_id, COALESCE(SUM(safe), 0) AS safe, COALESCE(SUM(skipped), 0) AS skipped,
        CASE WHEN COALESCE(SUM(unverified), 0) = 0 THEN MIN(verified) END AS verified FROM (
        SELECT u.destination_id, MIN(u.state IN ('done','skipped')) AND MAX(u.state = 'done') AS safe, MIN(u.state = 'skipped') AS skipped,
          MAX(u.state = 'done' AND u.verified_at IS NULL) AS unverified, MIN(CASE WHEN u.state = 'done' THEN u.verified_at END) AS verified
        FROM device_files d JOIN uploads u ON u.asset_id = d.asset_id
        WHERE d.udid = ? AND d.present = 1 AND d.state IN ('done','duplicate') GROUP BY u.destination_id, ${FAMILY_FOLDER}, d.base_stem)
      GROUP BY destination_id`)
    : null

  const phoneViews = phones.map((p) => {
    const c = phoneCounts.get(p.udid)!
    return {
      udid: p.udid,
      name: p.name,
      ...summary(c.items, c.icloud, { safe: c.safe, of: c.items - c.icloud, verifiedAt: c.verified }, destinations, phonePlaces?.all(p.udid) ?? []),
    }
  })

  // The library's photos and videos: its groups (each stored once, whatever phone it came from).
  const assets = stmt<[], { n: number; safe: number; verified: number | null }>(db,
    `SELECT COUNT(*) AS n, COALESCE(SUM(safe), 0) AS safe, MIN(verified) AS verified FROM (
      SELECT MIN(damage IS NULL) AS safe, MIN(verified_at) AS verified FROM assets GROUP BY group_id)`,
  ).get()!
  const icloud = stmt<[], { n: number }>(db, `SELECT COUNT(*) AS n FROM (SELECT 1 FROM device_files WHERE present = 1 AND state = 'not-on-phone'
    GROUP BY udid, ${familyFolderSql('folder')}, base_stem)`).get()!.n
  // Photos a phone lists that are not in the library yet (waiting, or the phone could not give them):
  // not anywhere, so the total must not call the library (or any place) complete while they exist.
  const waiting = stmt<[], { notYet: number; partial: number }>(db, `SELECT COALESCE(SUM(g IS NULL), 0) AS notYet, COALESCE(SUM(g IS NOT NULL), 0) AS partial FROM (
    SELECT MAX(d.group_id) AS g FROM device_files d JOIN devices v ON v.udid = d.udid WHERE v.kind = 'phone' AND d.present = 1
    GROUP BY d.udid, ${FAMILY_FOLDER}, d.base_stem HAVING MAX(d.state NOT IN ('done','duplicate','not-on-phone') AND NOT ${THROWN_AWAY}))`).get()!
  const notYet = waiting.notYet
  // A photo the library holds part of (its still, not yet its Live Photo video) is not safe there.
  assets.safe = Math.max(0, assets.safe - waiting.partial)
  const totalPlaces = hasUploads
    ? stmt<[], PlaceRow>(db, `SELECT destination_id, COALESCE(SUM(safe), 0) AS safe, COALESCE(SUM(skipped), 0) AS skipped,
        CASE WHEN COALESCE(SUM(unverified), 0) = 0 THEN MIN(verified) END AS verified FROM (
        SELECT u.destination_id, MIN(u.state IN ('done','skipped')) AND MAX(u.state = 'done') AS safe, MIN(u.state = 'skipped') AS skipped,
          MAX(u.state = 'done' AND u.verified_at IS NULL) AS unverified, MIN(CASE WHEN u.state = 'done' THEN u.verified_at END) AS verified
        FROM uploads u JOIN assets a ON a.id = u.asset_id GROUP BY u.destination_id, a.group_id)
      GROUP BY destination_id`).all()
    : []
  return {
    total: summary(assets.n + notYet + icloud, icloud, { safe: assets.safe, of: assets.n + notYet, verifiedAt: assets.verified }, destinations, totalPlaces),
    phones: phoneViews,
  }
}
