/**
 * The safety ledger: for each phone and in total, where its photos are safe — the library (file
 * there and its hash not found wrong; verified_at says when it was last checked) and each
 * destination (uploaded; verified_at when a check last found it right, or the upload itself was
 * proven by a checksum; a place counts as verified only when every copy there is). This is what tells a person
 * whether it is safe to free space on the phone. Reads the library's and the uploads' tables.
 *
 * Counting: a phone's items are the files its last listing showed (as itemsOnPhone: without what the
 * user put in Recently Deleted and the library does not have); items only in
 * iCloud cannot be anywhere yet and are counted apart. A place is expected to hold every other item
 * except the roles it does not take (an upload row 'skipped'); "safe in N places" counts the
 * places that hold all they should. The total counts the library's assets (each stored once,
 * whatever phone it came from), the phones' files not in the library yet (waiting or unreadable:
 * they may turn out to be copies of an asset, but until then they are not safe anywhere) and the
 * items only in iCloud.
 */
import type { SafetyPlace, SafetySummary, SafetyView } from '../../shared/state.js'
import type { Db } from '../library/catalog-db.js'
import { trashedFile } from '../library/scan-plan.js'

/** A file the user put in Recently Deleted that the library does not have is not one of the phone's items (as itemsOnPhone). */
const THROWN_AWAY = `(d.state NOT IN ('done','duplicate') AND ${trashedFile('d')})`

export interface LedgerDestination {
  id: string
  name: string
}

/** The oldest check of a place's copies, or NULL while any copy there is unverified ("uploaded, not verified"). */
const verified = (u: string): string => `CASE WHEN COALESCE(SUM(${u}state = 'done' AND ${u}verified_at IS NULL), 0) = 0 THEN MIN(CASE WHEN ${u}state = 'done' THEN ${u}verified_at END) END`

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
  const hasUploads = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uploads'").get() !== undefined
  const phones = db.prepare<[], { udid: string; name: string }>("SELECT udid, name FROM devices WHERE kind = 'phone' ORDER BY name").all()
  const phoneCounts = db.prepare<[string], { items: number; icloud: number; safe: number; verified: number | null }>(`
    SELECT COUNT(*) AS items, COALESCE(SUM(d.state = 'not-on-phone'), 0) AS icloud,
      COALESCE(SUM(d.state IN ('done','duplicate') AND a.id IS NOT NULL AND a.damage IS NULL), 0) AS safe,
      MIN(CASE WHEN d.state IN ('done','duplicate') THEN a.verified_at END) AS verified
    FROM device_files d LEFT JOIN assets a ON a.id = d.asset_id WHERE d.udid = ? AND d.present = 1 AND NOT ${THROWN_AWAY}`)
  const phonePlaces = hasUploads
    ? db.prepare<[string], PlaceRow>(`
      SELECT u.destination_id, COALESCE(SUM(u.state = 'done'), 0) AS safe, COALESCE(SUM(u.state = 'skipped'), 0) AS skipped,
        ${verified('u.')} AS verified
      FROM device_files d JOIN uploads u ON u.asset_id = d.asset_id
      WHERE d.udid = ? AND d.present = 1 AND d.state IN ('done','duplicate') GROUP BY u.destination_id`)
    : null

  const phoneViews = phones.map((p) => {
    const c = phoneCounts.get(p.udid)!
    return {
      udid: p.udid,
      name: p.name,
      ...summary(c.items, c.icloud, { safe: c.safe, of: c.items - c.icloud, verifiedAt: c.verified }, destinations, phonePlaces?.all(p.udid) ?? []),
    }
  })

  const assets = db.prepare<[], { n: number; safe: number; verified: number | null }>(
    'SELECT COUNT(*) AS n, COALESCE(SUM(damage IS NULL), 0) AS safe, MIN(verified_at) AS verified FROM assets',
  ).get()!
  const icloud = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM device_files WHERE present = 1 AND state = 'not-on-phone'").get()!.n
  // Files a phone lists that are not in the library yet (waiting, or the phone could not give them):
  // not anywhere, so the total must not call the library (or any place) complete while they exist.
  const notYet = db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM device_files d JOIN devices v ON v.udid = d.udid
    WHERE v.kind = 'phone' AND d.present = 1 AND d.state NOT IN ('done','duplicate','not-on-phone') AND NOT ${THROWN_AWAY}`).get()!.n
  const totalPlaces = hasUploads
    ? db.prepare<[], PlaceRow>(`SELECT destination_id, COALESCE(SUM(state = 'done'), 0) AS safe, COALESCE(SUM(state = 'skipped'), 0) AS skipped,
        ${verified('')} AS verified FROM uploads GROUP BY destination_id`).all()
    : []
  return {
    total: summary(assets.n + notYet + icloud, icloud, { safe: assets.safe, of: assets.n + notYet, verifiedAt: assets.verified }, destinations, totalPlaces),
    phones: phoneViews,
  }
}
