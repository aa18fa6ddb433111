/**
 * `cradle devices [--json]`: the phones on the mux with name, model, iOS, battery, charging,
 * trust state and connection. Never pairs: a phone that has not trusted this computer is
 * listed as such (`cradle pair` asks for Trust).
 */
import { parseArgs } from 'node:util'
import { describeError } from '../../../../shared/error-text.js'
import { toCradleError } from '../../../../shared/errors.js'
import { connectDevice, LockdownClient, MuxClient, type BatteryInfo, type MuxDevice } from '../../../device/index.js'
import { parseDeviceInfo } from '../../../device/lockdown/device-values.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'

const USAGE = `Usage: cradle devices [--json]

Lists the iPhones connected to this computer: name, model, iOS version, battery,
charging, whether it trusts this computer, and how it is connected (USB or Wi-Fi).

Options:
  --json    one JSON line per phone, then a summary line`

export type TrustLabel = 'trusted' | 'not-paired' | 'trust-revoked' | 'locked' | 'unknown'

export interface DeviceRow {
  udid: string
  name: string
  model: string
  productType?: string
  ios?: string
  batteryLevel?: number
  charging?: boolean
  externalPower?: boolean
  trust: TrustLabel
  connection: 'USB' | 'Network'
  error?: string
}

/** What one phone says about itself; never throws (a phone that misbehaves becomes a row with an error). */
async function describeDevice(mux: MuxClient, device: MuxDevice, signal: AbortSignal): Promise<DeviceRow> {
  const row: DeviceRow = { udid: device.udid, name: 'iPhone', model: 'iPhone', trust: 'unknown', connection: device.connectionType }
  try {
    const session = await connectDevice(mux, device, { pair: false, signal })
    try {
      const battery: BatteryInfo = await session.battery({ signal }).catch(() => ({}))
      Object.assign(row, { name: session.info.name, model: session.info.model, productType: session.info.productType, ios: session.info.productVersion, trust: 'trusted' })
      if (battery.level !== undefined) row.batteryLevel = battery.level
      if (battery.charging !== undefined) row.charging = battery.charging
      if (battery.externalPower !== undefined) row.externalPower = battery.externalPower
    } finally {
      await session.close()
    }
    return row
  } catch (error) {
    const e = toCradleError(error)
    if (e.code === 'pairing-pending') row.trust = 'not-paired'
    else if (e.code === 'pairing-invalid') row.trust = 'trust-revoked'
    else if (e.code === 'device-locked') row.trust = 'locked'
    else row.error = describeError(e.code).title
  }
  // Without trust the phone still tells its name, model and iOS version.
  try {
    const lockdown = await LockdownClient.open(mux, device, { signal })
    try {
      const info = parseDeviceInfo(await lockdown.getDomain(undefined, { signal }), device.udid)
      Object.assign(row, { name: info.name, model: info.model, productType: info.productType, ios: info.productVersion })
    } finally {
      lockdown.close()
    }
  } catch {
    // keep the defaults
  }
  return row
}

const TRUST_TEXT: Record<TrustLabel, string> = {
  trusted: 'trusted',
  'not-paired': 'not paired (run: cradle pair)',
  'trust-revoked': 'trust revoked (run: cradle pair)',
  locked: 'locked',
  unknown: 'unknown',
}

export function formatRow(row: DeviceRow): string {
  const battery = row.batteryLevel === undefined ? 'battery ?' : `${row.batteryLevel}%${row.charging ? ' charging' : row.externalPower ? ' on power' : ''}`
  const conn = row.connection === 'USB' ? 'USB' : 'Wi-Fi (not backed up)'
  const parts = [row.name, row.model, row.ios ? `iOS ${row.ios}` : 'iOS ?', battery, TRUST_TEXT[row.trust], conn, row.udid]
  return parts.join('  ·  ') + (row.error ? `  (${row.error})` : '')
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let json: boolean
  try {
    const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { json: { type: 'boolean' } } })
    json = values.json ?? false
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const mux = new MuxClient({ env: ctx.env })
  const devices = await mux.listDevices({ signal: ctx.stopSignal })
  const rows: DeviceRow[] = []
  for (const device of devices) rows.push(await describeDevice(mux, device, ctx.stopSignal))
  if (json) {
    for (const row of rows) ctx.stdout.write(`${JSON.stringify(row)}\n`)
    ctx.stdout.write(`${JSON.stringify({ summary: { devices: rows.length, trusted: rows.filter((r) => r.trust === 'trusted').length } })}\n`)
  } else if (rows.length === 0) {
    ctx.stdout.write('No iPhone connected. Connect one with a cable and unlock it.\n')
  } else {
    for (const row of rows) ctx.stdout.write(`${formatRow(row)}\n`)
  }
  return 0
}

export const devicesCommand: CliCommand = { name: 'devices', usage: USAGE, run }
