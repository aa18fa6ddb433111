/**
 * Which phone file belongs to which Photos asset. The database names only an asset's original
 * (ZDIRECTORY/ZFILENAME); its Live Photo video, rendered edit (IMG_E…) and .AAE sit beside it under
 * the same base stem, as the library groups them (naming.ts parseName). Pure: the scan's listing
 * in, the catalog's records out, plus what does not add up — listed DCIM files the database does
 * not know, and originals it says are on the phone that the listing did not show.
 */
import { parseName, phoneFileName } from '../library/naming.js'
import type { PhotoFileRole, PhotoRecord } from './catalog-photo-store.js'
import type { PhoneAsset } from './library-model.js'

export interface Attribution {
  records: PhotoRecord[]
  /** Listed DCIM files no asset claims. */
  unknown: string[]
  /** Originals the database says are on the phone (not iCloud-only) that were not listed. */
  missing: string[]
}

const folderOf = (p: string): string => p.slice(0, p.lastIndexOf('/'))
const nameOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1)
const familyKey = (p: string): string => `${folderOf(p)}/${parseName(phoneFileName(nameOf(p))).baseStem}`

export function attributeFiles(assets: readonly PhoneAsset[], listed: readonly string[]): Attribution {
  const byFamily = new Map<string, PhoneAsset>()
  // The first asset of a family keeps it (a RAW+JPEG pair shares a stem; the database lists the pair once).
  for (const a of assets) if (!byFamily.has(familyKey(a.phonePath))) byFamily.set(familyKey(a.phonePath), a)
  const files = new Map<string, { path: string; role: PhotoFileRole }[]>(assets.map((a) => [a.uuid, [{ path: a.phonePath, role: 'original' as const }]]))
  const listedSet = new Set(listed)
  const unknown: string[] = []
  for (const p of listed) {
    const asset = byFamily.get(familyKey(p))
    if (!asset) {
      if (p.startsWith('/DCIM/')) unknown.push(p)
      continue
    }
    if (p === asset.phonePath) continue
    files.get(asset.uuid)!.push({ path: p, role: roleOf(p, asset) })
  }
  const missing = assets.filter((a) => !a.iCloudOnly && !listedSet.has(a.phonePath)).map((a) => a.phonePath)
  const records = assets.map((a): PhotoRecord => ({
    uuid: a.uuid, originalFileName: a.originalFileName, capturedAt: a.capturedAt, offsetMinutes: a.offsetMinutes,
    favorite: a.favorite, hidden: a.hidden, albums: a.albums, albumRefs: a.albumRefs, kind: a.kind, trashed: a.trashed, iCloudOnly: a.iCloudOnly,
    phonePath: a.phonePath, files: files.get(a.uuid)!,
  }))
  return { records, unknown, missing }
}

function roleOf(p: string, asset: PhoneAsset): PhotoFileRole {
  if (p === asset.motionPath) return 'motion'
  const role = parseName(phoneFileName(nameOf(p))).role
  if (role === 'sidecar') return 'sidecar'
  if (role === 'motion') return 'motion'
  return 'edited'
}
