/**
 * Linux usbmuxd's preflight (usbmuxd src/preflight.c): when an iPhone is plugged in, usbmuxd
 * itself checks whether it is paired and, if not, pairs it with a record of its own (its own
 * certificates, made by libimobiledevice inside usbmuxd). That Pair brings up the Trust dialog;
 * when the user taps Trust the phone posts request_pair, usbmuxd pairs, stores the record under
 * its SerialNumber (SavePairRecord to itself, with the DeviceID) and every listener hears Paired.
 * An app that pairs as well at the same time makes a second pairing: the second Trust dialog
 * Windows users report.
 */
import { generatePairCertificates } from '../../main/device/lockdown/certificates.js'
import { encodePairRecord, newPairRecord, pairRequestRecord, parsePairRecord, type PairRecord } from '../../main/device/lockdown/pair-record.js'
import { createLogger } from '../../main/logging/logger.js'
import type { VirtualDevice } from '../device/virtual-device.js'
import { answerPair } from '../lockdown/lockdownd.js'
import type { PairStore } from './pair-store.js'

const log = createLogger('sim/preflight')

export interface PreflightHooks {
  /** usbmuxd's own SerialNumber for the device (the record is stored under it). */
  serialOf(device: VirtualDevice): string
  /** Tells every listener the device is Paired. */
  paired(deviceId: number): void
}

/** Runs preflight for a device that was just attached; settles when it is done or gave up. */
export async function runPreflight(device: VirtualDevice, pairs: PairStore, hooks: PreflightHooks): Promise<void> {
  const deviceId = device.deviceId
  if (deviceId === undefined) return
  const serial = hooks.serialOf(device)
  const stored = pairs.read(serial)
  if (stored && isTrusted(device, stored)) return // StartSession would succeed: nothing to do

  const certs = await generatePairCertificates(device.keys.publicKeyPkcs1Pem)
  if (device.deviceId !== deviceId) return // unplugged meanwhile
  const record = newPairRecord(certs, pairs.buid)

  const attempt = (): boolean => {
    const answer = answerPair(device, pairRequestRecord(record))
    if (!answer.ok) {
      log.debug('preflight Pair did not succeed', { udid: device.udid, error: answer.error })
      return false
    }
    const full: PairRecord = { ...record, EscrowBag: answer.escrowBag, WiFiMACAddress: device.identity.wifiAddress }
    pairs.save(serial, encodePairRecord(full))
    log.info('preflight paired the device', { udid: device.udid, hostId: record.HostID })
    hooks.paired(deviceId)
    device.events.emit('preflight-paired', full)
    return true
  }
  if (attempt()) return
  // Waiting for the user: the phone tells usbmuxd (request_pair) when Trust is tapped.
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      unsubscribe()
      device.events.off('detached', stop)
      resolve()
    }
    const unsubscribe = device.trust.onAccept(() => {
      if (device.deviceId !== deviceId) return stop()
      attempt()
      stop()
    })
    device.events.on('detached', stop)
    device.events.emit('preflight-waiting')
  })
}

function isTrusted(device: VirtualDevice, stored: Buffer): boolean {
  try {
    return device.trustedHosts.has(parsePairRecord(stored).HostID)
  } catch {
    return false
  }
}
