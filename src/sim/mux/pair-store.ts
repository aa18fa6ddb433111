/**
 * usbmuxd's host-side pair records and SystemBUID, in memory (protocol.md §3.3). Like usbmuxd,
 * SavePairRecord accepts XML or binary and stores XML; ReadPairRecord returns the stored bytes.
 */
import { randomUUID } from 'node:crypto'
import { decodePlistDict, encodeXmlPlist } from '../../main/device/plist/plist-codec.js'

export class PairStore {
  readonly records = new Map<string, Buffer>()

  /** Linux usbmuxd makes its SystemBUID up once: an upper-case UUID. */
  constructor(readonly buid: string = randomUUID().toUpperCase()) {}

  /** Stores a record; throws if the bytes are not a plist dictionary. */
  save(udid: string, data: Buffer): void {
    this.records.set(udid, encodeXmlPlist(decodePlistDict(data)))
  }

  read(udid: string): Buffer | undefined {
    return this.records.get(udid)
  }

  delete(udid: string): boolean {
    return this.records.delete(udid)
  }
}

/** The other spelling of a modern UDID: with the dash after 8 characters, or without it. */
function otherSpelling(id: string): string {
  if (/^[0-9A-F]{8}-[0-9A-F]{16}$/i.test(id)) return id.replace('-', '')
  if (/^[0-9A-F]{24}$/i.test(id)) return `${id.slice(0, 8)}-${id.slice(8)}`
  return id
}

/**
 * The stored records as tests look at them: by UDID with or without the dash; `set` replaces the
 * record under whichever spelling holds it, `delete` removes both. (The mux itself matches
 * PairRecordIDs exactly, as usbmuxd does.)
 */
export class RecordsByDevice implements ReadonlyMap<string, Buffer> {
  constructor(private readonly records: Map<string, Buffer>) {}

  get(id: string): Buffer | undefined {
    return this.records.get(id) ?? this.records.get(otherSpelling(id))
  }

  has(id: string): boolean {
    return this.get(id) !== undefined
  }

  set(id: string, data: Buffer): this {
    const other = otherSpelling(id)
    this.records.set(!this.records.has(id) && this.records.has(other) ? other : id, data)
    return this
  }

  delete(id: string): boolean {
    const a = this.records.delete(id)
    const b = this.records.delete(otherSpelling(id))
    return a || b
  }

  get size(): number {
    return this.records.size
  }

  forEach(callback: (value: Buffer, key: string, map: ReadonlyMap<string, Buffer>) => void): void {
    for (const [key, value] of this.records) callback(value, key, this)
  }

  entries(): MapIterator<[string, Buffer]> {
    return this.records.entries()
  }

  keys(): MapIterator<string> {
    return this.records.keys()
  }

  values(): MapIterator<Buffer> {
    return this.records.values()
  }

  [Symbol.iterator](): MapIterator<[string, Buffer]> {
    return this.records.entries()
  }
}
