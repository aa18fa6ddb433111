/**
 * The Trust flow (protocol.md §2.5, §6) as explicit states a UI can show:
 * waiting-for-unlock (Pair → PasswordProtected), waiting-for-trust (PairingDialogResponsePending,
 * polled about once a second), denied (UserDeniedPairing), paired. On success the record goes
 * to usbmuxd with the DeviceID, so every listener hears 'Paired' and idevicepair sees it too.
 * The daemon may pair the phone by itself meanwhile (Linux usbmuxd's preflight on attach, Apple's
 * daemon): before every Pair we look for its record and use it, so the phone is paired once and
 * the user sees one Trust dialog.
 */
import { CradleError, isCradleError } from '../../../shared/errors.js'
import { createLogger } from '../../logging/logger.js'
import { sleep, type CallOptions } from '../io/deadline.js'
import { pairRecordId, type MuxDevice } from '../usbmux/device-list.js'
import type { MuxClient } from '../usbmux/mux-client.js'
import { generatePairCertificates } from './certificates.js'
import type { LockdownClient } from './lockdown-client.js'
import { encodePairRecord, newPairRecord, parsePairRecord, type PairRecord } from './pair-record.js'

const log = createLogger('device/lockdown')

export type TrustState = 'checking' | 'waiting-for-unlock' | 'waiting-for-trust' | 'denied' | 'paired'

export interface PairOptions {
  signal?: AbortSignal
  onState?: (state: TrustState) => void
  /** How long the user has to unlock and tap Trust (default 5 minutes). */
  timeoutMs?: number
  /** Pause between Pair attempts while waiting (default 1 s, as pymobiledevice3). */
  pollMs?: number
  hostName?: string
}

export const PAIR_TIMEOUT_MS = 5 * 60_000

/** Pairs with the device on `lockdown` and saves the record through the mux. */
export async function pairDevice(mux: MuxClient, lockdown: LockdownClient, device: MuxDevice, opts: PairOptions = {}): Promise<PairRecord> {
  if (device.connectionType !== 'USB') throw new CradleError('pairing-over-network', 'pairing needs a USB connection')
  const call: CallOptions = opts.signal ? { signal: opts.signal } : {}
  let state: TrustState | undefined
  const setState = (next: TrustState): void => {
    if (next === state) return
    state = next
    log.info('trust state', { udid: device.udid, state: next })
    opts.onState?.(next)
  }
  setState('checking')
  const publicKey = await lockdown.getValue('DevicePublicKey', undefined, call)
  if (!Buffer.isBuffer(publicKey) && typeof publicKey !== 'string') throw new CradleError('device-protocol', 'the device did not give its DevicePublicKey')
  const [buid, certs] = await Promise.all([mux.readBuid(call), generatePairCertificates(publicKey)])
  const record = newPairRecord(certs, buid)
  // libimobiledevice reads WiFiAddress before Pair: asking afterwards breaks on iOS 7.
  const wifi = await lockdown.getValue('WiFiAddress', undefined, call)

  const deadline = Date.now() + (opts.timeoutMs ?? PAIR_TIMEOUT_MS)
  let escrow: Buffer | undefined
  for (;;) {
    const theirs = await recordFromDaemon(mux, device, call)
    if (theirs) {
      log.info('usbmuxd paired the device by itself; using its pair record', { udid: device.udid })
      setState('paired')
      return theirs
    }
    try {
      escrow = await lockdown.pair(record, { ...call, ...(opts.hostName ? { hostName: opts.hostName } : {}) })
      break
    } catch (error) {
      if (isCradleError(error, 'device-locked')) setState('waiting-for-unlock')
      else if (isCradleError(error, 'pairing-pending')) setState('waiting-for-trust')
      else {
        if (isCradleError(error, 'pairing-denied')) setState('denied')
        throw error
      }
      if (Date.now() >= deadline) {
        throw new CradleError(error.code, `gave up after ${Math.round((opts.timeoutMs ?? PAIR_TIMEOUT_MS) / 1000)} s ${state === 'waiting-for-unlock' ? 'waiting for the device to be unlocked' : 'waiting for Trust'}`, { cause: error })
      }
    }
    await sleep(opts.pollMs ?? 1000, opts.signal)
  }
  if (escrow) record.EscrowBag = escrow
  if (typeof wifi === 'string') record.WiFiMACAddress = wifi
  await mux.savePairRecord(pairRecordId(device), encodePairRecord(record), { ...call, deviceId: device.deviceId })
  setState('paired')
  return record
}

/** A record someone else (usbmuxd's preflight, Apple's daemon) stored for the device meanwhile. */
async function recordFromDaemon(mux: MuxClient, device: MuxDevice, call: CallOptions): Promise<PairRecord | undefined> {
  const found = await mux.readDevicePairRecord(device, { ...call, quiet: true })
  if (!found) return undefined
  try {
    return parsePairRecord(found.data)
  } catch (error) {
    log.warn('usbmuxd holds a pair record Cradle cannot use; pairing itself', { udid: device.udid, recordId: found.recordId, error })
    return undefined
  }
}
