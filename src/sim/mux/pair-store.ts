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
