/**
 * Line commands that drive a running simulator (stdin of `cradle sim`). One command per line;
 * the answer is one JSON line. DEVICE is a UDID, a device index (0, 1, …) or `all`.
 *
 *   detach DEVICE | attach DEVICE
 *   battery DEVICE LEVEL [charging|not-charging] [external|no-external]
 *   trust DEVICE accept|deny       lock DEVICE | unlock DEVICE | untrust DEVICE
 *   fault DEVICE drop | fault DEVICE drop-after BYTES [repeat] | fault DEVICE off
 *   latency [DEVICE] MS            bandwidth [DEVICE] MBPS (0 = unlimited)
 *   burst [DEVICE] BYTES           window [DEVICE] BYTES (0 = kind)     service [DEVICE] MS
 *   unreadable DEVICE [status N] [on STAGE] PATH… | unreadable DEVICE add [status N] [on STAGE] PATH…
 *   unreadable DEVICE ratio R [STAGE] [status N] | unreadable DEVICE off      (STAGE: stat|open|read|seek)
 *   protect DEVICE on|off          photodata DEVICE deny|allow
 *   tls DEVICE drop N | tls DEVICE 1.3|1.2 | tls DEVICE close-notify on|off
 *   lockdown DEVICE idle-close MS | lockdown DEVICE stale InvalidConnection|SessionInactive
 *   status                         help
 */
import { UNREADABLE_STAGES, type UnreadableRule, type UnreadableStage } from '../afc/unreadable.js'
import type { VirtualDevice } from '../device/virtual-device.js'
import type { Simulator } from '../simulator.js'

export const CONTROL_HELP = `Control commands (one per line on stdin; DEVICE = UDID, index or "all"):
  detach DEVICE | attach DEVICE            unplug / plug in (re-attach gets a new DeviceID)
  battery DEVICE LEVEL [charging|not-charging] [external|no-external]
  trust DEVICE accept|deny                 answer the Trust dialog
  lock DEVICE | unlock DEVICE              passcode lock (Pair → PasswordProtected; GetValue
                                           PasswordProtected is true while locked)
  untrust DEVICE                           forget every paired computer (→ InvalidHostID)
  fault DEVICE drop                        reset the device's connections now; it stays attached
                                           (no Detached: a flaky cable or port, not an unplug)
  fault DEVICE drop-after BYTES [repeat]   cut the device's connections after BYTES more bytes
  fault DEVICE off                         clear the drop fault
  latency [DEVICE] MS                      per-reply link delay
  bandwidth [DEVICE] MBPS                  device→host cap in MB/s (10^6 B/s), 0 = unlimited
  burst [DEVICE] BYTES                     credit an idle capped link may send at once
  window [DEVICE] BYTES                    bytes in flight per connection before the phone waits, 0 = kind (8 MiB)
  service [DEVICE] MS                      time the phone spends on each AFC request
  unreadable DEVICE [status N] [on STAGE] PATH…
                                           these files list but fail (replaces the rule); default
                                           status 4 READ_ERROR (iCloud-only) on the first read;
                                           STAGE: stat | open | read | seek (a resume); N: any AFC
                                           status, e.g. 1 UNKNOWN_ERROR, 8 OBJECT_NOT_FOUND, 10 PERM_DENIED
  unreadable DEVICE add [status N] [on STAGE] PATH…
                                           more such files, each with its own status and stage
  unreadable DEVICE ratio R [STAGE] [status N]
                                           that fraction of DCIM files; unreadable DEVICE off
  protect DEVICE on|off                    data protection: while locked, opening DCIM files
                                           answers PERM_DENIED
  photodata DEVICE deny|allow              every request under /PhotoData answers PERM_DENIED | back to readable
  tls DEVICE drop N                        close the tunnel mid-handshake on the next N TLS sessions
  tls DEVICE 1.3 | tls DEVICE 1.2          TLS 1.3 with the host's certificate checked against the
                                           pair record's root | back to TLS 1.0–1.2 (the default)
  tls DEVICE close-notify on|off           the phone's own close_notify after StopSession
  lockdown DEVICE idle-close MS            lockdownd hangs up on connections idle MS (0 = never; real: ~60000)
  lockdown DEVICE stale InvalidConnection|SessionInactive   open lockdown connections go stale
  status                                   one JSON line with every device's state`

export type ControlResult = { event: 'ok'; command: string; status?: unknown } | { event: 'error'; command: string; message: string }

class ControlError extends Error {}

function pickDevices(sim: Simulator, token: string | undefined): VirtualDevice[] {
  if (token === undefined) throw new ControlError('missing DEVICE')
  if (token === 'all') return [...sim.devices]
  if (/^\d+$/.test(token) && Number(token) < sim.devices.length) return [sim.devices[Number(token)]!]
  try {
    return [sim.device(token)]
  } catch {
    throw new ControlError(`no device ${token}`)
  }
}

function number(token: string | undefined, what: string): number {
  const n = Number(token)
  if (token === undefined || token === '' || !Number.isFinite(n) || n < 0) throw new ControlError(`${what} must be a number ≥ 0`)
  return n
}

/** Leading `status N` and `on STAGE` (or a bare STAGE after `ratio R`), then the rest. */
function unreadableRule(words: string[], bareStage: boolean): { rule: UnreadableRule; rest: string[] } {
  const rule: UnreadableRule = {}
  let i = 0
  for (;;) {
    if (words[i] === 'status') {
      const n = number(words[i + 1], 'status N')
      if (!Number.isInteger(n)) throw new ControlError('status N must be a whole number')
      rule.status = n
      i += 2
    } else if (words[i] === 'on' || (bareStage && UNREADABLE_STAGES.includes(words[i] as UnreadableStage))) {
      const stage = words[i] === 'on' ? words[i + 1] : words[i]
      if (!UNREADABLE_STAGES.includes(stage as UnreadableStage)) throw new ControlError(`STAGE must be one of ${UNREADABLE_STAGES.join(', ')}`)
      rule.failOn = stage as UnreadableStage
      i += words[i] === 'on' ? 2 : 1
    } else break
  }
  return { rule, rest: words.slice(i) }
}

/** The state `status` prints. */
export function simulatorStatus(sim: Simulator): unknown {
  return {
    address: sim.address,
    devices: sim.devices.map((d) => ({
      udid: d.udid,
      name: d.name,
      deviceId: d.deviceId ?? null,
      attached: d.attached,
      battery: { ...d.battery },
      trust: d.trust.mode,
      trustDialog: d.trust.dialogShowing,
      trustDialogsShown: d.trust.dialogsShown,
      pairedHosts: d.trustedHosts.size,
      tls: d.tls.status(),
      lockdownRequests: Object.fromEntries(d.lockdownRequests),
      faults: d.link.faults(),
      bytesSent: d.link.bytesSent,
      tunnels: d.link.tunnelCount,
      unreadable: d.unreadableOptions,
      dataProtection: d.dataProtection,
    })),
  }
}

export function runControlCommand(sim: Simulator, line: string): ControlResult | undefined {
  const words = line.trim().split(/\s+/).filter((w) => w !== '')
  if (words.length === 0) return undefined
  const command = line.trim()
  try {
    const [verb, ...args] = words
    switch (verb) {
      case 'detach':
        for (const d of pickDevices(sim, args[0])) d.detach()
        break
      case 'attach':
        for (const d of pickDevices(sim, args[0])) d.attach()
        break
      case 'battery': {
        const level = number(args[1], 'LEVEL')
        const flags = args.slice(2)
        for (const d of pickDevices(sim, args[0]))
          d.setBattery({
            level,
            ...(flags.includes('charging') ? { charging: true } : flags.includes('not-charging') ? { charging: false } : {}),
            ...(flags.includes('external') ? { externalPower: true } : flags.includes('no-external') ? { externalPower: false } : {}),
          })
        break
      }
      case 'trust': {
        const answer = args[1]
        if (answer !== 'accept' && answer !== 'deny') throw new ControlError('trust needs accept or deny')
        for (const d of pickDevices(sim, args[0])) {
          if (answer === 'accept') d.acceptTrust()
          else d.denyTrust()
        }
        break
      }
      case 'lock':
      case 'unlock':
      case 'untrust':
        for (const d of pickDevices(sim, args[0])) {
          if (verb === 'lock') d.lock()
          else if (verb === 'unlock') d.unlock()
          else d.revokeTrust()
        }
        break
      case 'fault': {
        const devices = pickDevices(sim, args[0])
        if (args[1] === 'off') for (const d of devices) d.setFaults({ dropAfterBytes: 0 })
        else if (args[1] === 'drop') for (const d of devices) d.dropConnections()
        else if (args[1] === 'drop-after') {
          const bytes = number(args[2], 'BYTES')
          for (const d of devices) d.setFaults({ dropAfterBytes: bytes, dropRepeat: args[3] === 'repeat' })
        } else throw new ControlError('fault needs drop, drop-after BYTES [repeat] or off')
        break
      }
      case 'latency':
      case 'bandwidth':
      case 'burst':
      case 'window':
      case 'service': {
        const devices = args.length >= 2 ? pickDevices(sim, args[0]) : [...sim.devices]
        const unit = { latency: 'MS', bandwidth: 'MBPS', burst: 'BYTES', window: 'BYTES', service: 'MS' }[verb]
        const value = number(args[args.length - 1], unit)
        const key = { latency: 'latencyMs', bandwidth: 'bandwidthMBps', burst: 'burstBytes', window: 'windowBytes', service: 'serviceMs' } as const
        for (const d of devices) d.setFaults({ [key[verb]]: value })
        break
      }
      case 'unreadable': {
        const devices = pickDevices(sim, args[0])
        const rest = args.slice(1)
        if (rest[0] === 'off') for (const d of devices) d.setUnreadable({})
        else if (rest[0] === 'ratio') {
          const ratio = number(rest[1], 'R')
          const { rule, rest: extra } = unreadableRule(rest.slice(2), true)
          if (extra.length > 0) throw new ControlError(`unreadable ratio: unexpected "${extra[0]}"`)
          for (const d of devices) d.setUnreadable({ ratio, ...rule })
        } else {
          const add = rest[0] === 'add'
          const { rule, rest: paths } = unreadableRule(add ? rest.slice(1) : rest, false)
          if (paths.length === 0) throw new ControlError('unreadable needs PATH…, add PATH…, ratio R or off')
          for (const d of devices) {
            if (add) d.addUnreadable(Object.fromEntries(paths.map((p) => [p, rule])))
            else d.setUnreadable({ files: Object.fromEntries(paths.map((p) => [p, rule])) })
          }
        }
        break
      }
      case 'protect': {
        const on = args[1]
        if (on !== 'on' && on !== 'off') throw new ControlError('protect needs on or off')
        for (const d of pickDevices(sim, args[0])) d.setDataProtection(on === 'on')
        break
      }
      case 'photodata': {
        const how = args[1]
        if (how !== 'deny' && how !== 'allow') throw new ControlError('photodata needs deny or allow')
        for (const d of pickDevices(sim, args[0])) d.setPhotoDataUnreadable(how === 'deny')
        break
      }
      case 'tls': {
        const devices = pickDevices(sim, args[0])
        const [what, value] = args.slice(1)
        if (what === 'drop') {
          const n = number(value, 'N')
          for (const d of devices) d.setTls({ dropHandshakes: n })
        } else if (what === '1.3' || what === '1.2') for (const d of devices) d.setTls({ tls13: what === '1.3' })
        else if (what === 'close-notify' && (value === 'on' || value === 'off')) for (const d of devices) d.setTls({ closeNotify: value === 'on' })
        else throw new ControlError('tls needs drop N, 1.3, 1.2 or close-notify on|off')
        break
      }
      case 'lockdown': {
        const devices = pickDevices(sim, args[0])
        if (args[1] === 'idle-close') {
          const ms = number(args[2], 'MS')
          for (const d of devices) d.setLockdownIdleClose(ms)
        } else if (args[1] === 'stale' && (args[2] === 'InvalidConnection' || args[2] === 'SessionInactive')) {
          const error = args[2]
          for (const d of devices) d.makeLockdownStale(error)
        } else throw new ControlError('lockdown needs idle-close MS or stale InvalidConnection|SessionInactive')
        break
      }
      case 'status':
        return { event: 'ok', command, status: simulatorStatus(sim) }
      case 'help':
        return { event: 'ok', command, status: CONTROL_HELP }
      default:
        throw new ControlError(`unknown command "${verb}" (try "help")`)
    }
    return { event: 'ok', command }
  } catch (error) {
    if (error instanceof ControlError) return { event: 'error', command, message: error.message }
    throw error
  }
}
