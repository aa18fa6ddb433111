/**
 * `cradle sim`: the virtual iPhone alone (src/sim). Prints one JSON ready line on stdout once
 * the socket accepts connections, then one JSON line per stdin control command, until stopped.
 */
import path from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { CONTROL_HELP, runControlCommand } from '../../../../sim/control/commands.js'
import { startSimulator, USB2_LINK, type SimDeviceOptions } from '../../../../sim/index.js'
import type { TrustMode } from '../../../../sim/device/trust.js'
import { UNREADABLE_STAGES, type UnreadableStage } from '../../../../sim/afc/unreadable.js'
import { PHOTOS_SCHEMAS, type PhotosSchema } from '../../../../sim/photos/schemas.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'

const USAGE = `Usage: cradle sim [options]

A usbmuxd-compatible socket with virtual iPhones, for tests and demos. Point
USBMUXD_SOCKET_ADDRESS at the printed socket (the libimobiledevice tools accept it).

Options:
  --socket ADDR             UNIX:/path, a path, or HOST:PORT (default: a Unix socket in a temp folder)
  --devices N               number of virtual iPhones (default 1)
  --udid UDID               UDID of the next device (repeatable; default: made up)
  --name NAME               device name (default "iPhone", then "iPhone 2", …)
  --product-type T          e.g. iPhone14,5 (default)      --product-version V   e.g. 17.5.1 (default)
  --trust MODE              auto (default) | prompt | deny | locked
  --trust-delay-ms MS       prompt: the user taps Trust by itself after MS
  --battery LEVEL           battery percent (default 80)   --charging   --external-power
  --dcim DIR                serve DIR as the phone's /DCIM (read-only)
  --photos N                generate a camera roll of N items instead (--seed S, default 1)
  --out DIR                 where to generate it (default: a temp folder; several devices: DIR/device-N)
  --photo-bytes B           approximate size of each photo   --video-bytes B   of each video
  --padding random|sparse   how generated files are padded to size (default random)
  --photos-schema S         the Photos library's database shape: ios17 (default: iOS 16–17.5) | ios14 | ios13
                            (with --photos: /PhotoData/Photos.sqlite with -wal and -shm, CPLAssets,
                            thumbnails, edits under Mutations, favorites, hidden, Recently Deleted, two albums,
                            an iCloud-only asset)
  --no-photos-db            no Photos library: /PhotoData lists empty (a DCIM-only phone)
  --photodata-unreadable    every request under /PhotoData answers PERM_DENIED (a closed library)
  --unrendered-edit         one more edited photo whose edit is not rendered yet (Adjustments.plist, no FullSizeRender)
  --named-edit              one more edited photo from iCloud without a camera-style name (photo.jpeg)
  --crash-dir DIR           the crash-log folder (default: a generated one)
  --unreadable PATH         this file lists but cannot be read (repeatable; e.g. /DCIM/100APPLE/IMG_0007.HEIC)
  --unreadable-ratio R      that fraction of DCIM files cannot be read
  --unreadable-on STAGE     where they fail: stat | open | read (default) | seek (a resume)
  --unreadable-status N     the AFC status they get (default 4 READ_ERROR; e.g. 1, 8, 10, 20)
  --data-protection         while locked ("lock DEVICE"), opening DCIM files answers PERM_DENIED
  --latency-ms MS           per-reply link delay (replies overlap, as on a cable)
  --bandwidth-mbps MBPS     device→host cap in megabytes per second (10^6 B/s)
  --burst-bytes B           credit an idle capped link may send at once (default 65536)
  --window-bytes B          device→host bytes in flight per connection before the phone waits
                            (default: 8 MiB of whole replies; usbmuxd advertises 131072)
  --service-ms MS           time the phone spends on each AFC request before its reply starts;
                            a connection's requests are served one at a time
  --usb2                    a USB 2 iPhone: 40 MB/s, 1 ms, 64 KiB burst, 128 KiB window, 0.1 ms
                            service (the flags above override its parts); default: unshaped
  --drop-after-bytes N      cut each device's connections after N bytes   --drop-repeat  (every N bytes)
  --max-handles N           AFC open files per connection before "No file slots" (default 64)
  --no-session-ssl          StartSession answers EnableSessionSSL false (plaintext sessions)
  --drop-tls-handshakes N   close the tunnel mid-handshake on the next N lockdown TLS sessions
  --tls13                   TLS 1.3 only; the phone asks for the host's certificate and hangs up unless
                            it is the pair record's RootCertificate or signed by it
  --tls-close-notify        after the StopSession reply the phone sends its own TLS close_notify
  --mux-flavour F           linux (default) | macos | windows: how ReadPairRecord says "no record"
  --dashed-serial           report modern serials with the dash (newer Linux usbmuxd; default: bare)
  --preflight               usbmuxd pairs an unpaired phone by itself on attach (Linux usbmuxd)
  --lockdown-idle-close-ms MS  lockdownd hangs up on connections idle MS (real phones: about 60000)
  --hide-values-without-session  GetValue without a session shows only what an unpaired phone shows

Ready line (stdout): {"event":"ready","socket":"UNIX:/…","devices":[{"udid":…,"name":…,"deviceId":…,"dcim":…}]}

${CONTROL_HELP}`

const TRUST_MODES: TrustMode[] = ['auto', 'prompt', 'deny', 'locked']

function num(value: string | undefined, flag: string, opts: { int?: boolean; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value === '' || !Number.isFinite(n) || n < 0 || (opts.int && !Number.isInteger(n)) || (opts.max !== undefined && n > opts.max)) throw new UsageError(`${flag} needs a number${opts.max !== undefined ? ` from 0 to ${opts.max}` : ' ≥ 0'}`)
  return n
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const v = parsed.values
  const count = num(v.devices, '--devices', { int: true }) ?? 1
  if (count < 1) throw new UsageError('--devices needs at least 1')
  const trust = v.trust ?? 'auto'
  if (!TRUST_MODES.includes(trust as TrustMode)) throw new UsageError(`--trust must be one of ${TRUST_MODES.join(', ')}`)
  const padding = v.padding ?? 'random'
  if (padding !== 'random' && padding !== 'sparse') throw new UsageError('--padding must be random or sparse')
  const unreadableOn = (v['unreadable-on'] ?? 'read') as UnreadableStage
  if (!UNREADABLE_STAGES.includes(unreadableOn)) throw new UsageError(`--unreadable-on must be one of ${UNREADABLE_STAGES.join(', ')}`)
  const unreadableStatus = num(v['unreadable-status'], '--unreadable-status', { int: true })
  if (v.dcim !== undefined && v.photos !== undefined) throw new UsageError('use --dcim or --photos, not both')
  if (v.out !== undefined && v.photos === undefined) throw new UsageError('--out needs --photos')
  const photosSchema = v['photos-schema'] ?? 'ios17'
  if (!PHOTOS_SCHEMAS.includes(photosSchema as PhotosSchema)) throw new UsageError(`--photos-schema must be one of ${PHOTOS_SCHEMAS.join(', ')}`)
  if (v['photos-schema'] !== undefined && (v.photos === undefined || v['no-photos-db'] === true)) throw new UsageError('--photos-schema needs --photos (and no --no-photos-db)')
  const photos = num(v.photos, '--photos', { int: true })
  const muxFlavour = v['mux-flavour'] ?? 'linux'
  if (muxFlavour !== 'linux' && muxFlavour !== 'macos' && muxFlavour !== 'windows') throw new UsageError('--mux-flavour must be linux, macos or windows')
  const udids = v.udid ?? []
  if (udids.length > count) throw new UsageError('more --udid values than --devices')

  const devices: SimDeviceOptions[] = Array.from({ length: count }, (_, i) => {
    const d: SimDeviceOptions = {
      trust: trust as TrustMode,
      trustDelayMs: num(v['trust-delay-ms'], '--trust-delay-ms'),
      battery: { level: num(v.battery, '--battery', { max: 100 }) ?? 80, charging: v.charging ?? false, externalPower: v['external-power'] ?? v.charging ?? false },
      productType: v['product-type'],
      productVersion: v['product-version'],
      maxHandles: num(v['max-handles'], '--max-handles', { int: true }),
      sessionSsl: !(v['no-session-ssl'] ?? false),
      tls: {
        dropHandshakes: num(v['drop-tls-handshakes'], '--drop-tls-handshakes', { int: true }) ?? 0,
        tls13: v.tls13 ?? false,
        closeNotify: v['tls-close-notify'] ?? false,
      },
      lockdownIdleCloseMs: num(v['lockdown-idle-close-ms'], '--lockdown-idle-close-ms'),
      hideValuesWithoutSession: v['hide-values-without-session'] ?? false,
      unreadable: {
        paths: v.unreadable ?? [],
        ratio: num(v['unreadable-ratio'], '--unreadable-ratio', { max: 1 }) ?? 0,
        failOn: unreadableOn,
        ...(unreadableStatus !== undefined ? { status: unreadableStatus } : {}),
      },
      dataProtection: v['data-protection'] ?? false,
      photoDataUnreadable: v['photodata-unreadable'] ?? false,
    }
    if (udids[i]) d.udid = udids[i]
    if (v.name !== undefined) d.name = count === 1 ? v.name : `${v.name} ${i + 1}`
    if (v.dcim !== undefined) d.dcimDir = path.resolve(v.dcim)
    if (v.out !== undefined) d.dcimDir = count === 1 ? path.resolve(v.out) : path.join(path.resolve(v.out), `device-${i + 1}`)
    if (v['crash-dir'] !== undefined) d.crashDir = path.resolve(v['crash-dir'])
    if (photos !== undefined) {
      d.photos = {
        count: photos,
        seed: (num(v.seed, '--seed', { int: true }) ?? 1) + i,
        photoBytes: num(v['photo-bytes'], '--photo-bytes', { int: true }),
        videoBytes: num(v['video-bytes'], '--video-bytes', { int: true }),
        padding,
      }
      if (v['no-photos-db'] !== true) {
        d.photoLibrary = {
          schema: photosSchema as PhotosSchema,
          ...(v['unrendered-edit'] === true ? { unrenderedEdit: true } : {}),
          ...(v['named-edit'] === true ? { namedEdit: true } : {}),
        }
      }
    }
    return d
  })

  const usb2 = v.usb2 ? USB2_LINK : undefined
  const sim = await startSimulator({
    socket: v.socket,
    devices,
    latencyMs: num(v['latency-ms'], '--latency-ms') ?? usb2?.latencyMs,
    bandwidthMBps: num(v['bandwidth-mbps'], '--bandwidth-mbps') ?? usb2?.bandwidthMBps,
    burstBytes: num(v['burst-bytes'], '--burst-bytes', { int: true }) ?? usb2?.burstBytes,
    windowBytes: num(v['window-bytes'], '--window-bytes', { int: true }) ?? usb2?.windowBytes,
    serviceMs: num(v['service-ms'], '--service-ms') ?? usb2?.serviceMs,
    dropAfterBytes: num(v['drop-after-bytes'], '--drop-after-bytes', { int: true }),
    dropRepeat: v['drop-repeat'] ?? false,
    muxFlavour,
    dashedSerial: v['dashed-serial'] ?? false,
    preflight: v.preflight ?? false,
  })
  const write = (obj: unknown): void => void ctx.stdout.write(`${JSON.stringify(obj)}\n`)
  write({
    event: 'ready',
    socket: sim.address,
    devices: sim.devices.map((d) => ({ udid: d.udid, name: d.name, deviceId: d.deviceId ?? null, dcim: d.dcimDir, crashDir: d.crashDir, items: sim.roll(d.udid)?.count, photoData: d.photoDataDir ?? null, photosSchema: sim.photoLibrary(d.udid)?.schema ?? null })),
  })

  const lines = createInterface({ input: ctx.stdin, crlfDelay: Infinity })
  lines.on('line', (line) => {
    const result = runControlCommand(sim, line)
    if (result) write(result)
  })
  // stdin closing (e.g. `< /dev/null`) does not stop the simulator; a signal does.
  await new Promise<void>((resolve) => {
    if (ctx.stopSignal.aborted) resolve()
    else ctx.stopSignal.addEventListener('abort', () => resolve(), { once: true })
  })
  lines.close()
  // The generated phone's folder can take a minute to delete: a detached process does it.
  await sim.close({ removeWorkDirInBackground: true })
  return 0
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      socket: { type: 'string' },
      devices: { type: 'string' },
      udid: { type: 'string', multiple: true },
      name: { type: 'string' },
      'product-type': { type: 'string' },
      'product-version': { type: 'string' },
      trust: { type: 'string' },
      'trust-delay-ms': { type: 'string' },
      battery: { type: 'string' },
      charging: { type: 'boolean' },
      'external-power': { type: 'boolean' },
      dcim: { type: 'string' },
      photos: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'photo-bytes': { type: 'string' },
      'video-bytes': { type: 'string' },
      padding: { type: 'string' },
      'crash-dir': { type: 'string' },
      unreadable: { type: 'string', multiple: true },
      'unreadable-ratio': { type: 'string' },
      'unreadable-on': { type: 'string' },
      'unreadable-status': { type: 'string' },
      'data-protection': { type: 'boolean' },
      'photos-schema': { type: 'string' },
      'no-photos-db': { type: 'boolean' },
      'photodata-unreadable': { type: 'boolean' },
      'unrendered-edit': { type: 'boolean' },
      'named-edit': { type: 'boolean' },
      'latency-ms': { type: 'string' },
      'bandwidth-mbps': { type: 'string' },
      'burst-bytes': { type: 'string' },
      'window-bytes': { type: 'string' },
      'service-ms': { type: 'string' },
      usb2: { type: 'boolean' },
      'drop-after-bytes': { type: 'string' },
      'drop-repeat': { type: 'boolean' },
      'max-handles': { type: 'string' },
      'no-session-ssl': { type: 'boolean' },
      'drop-tls-handshakes': { type: 'string' },
      tls13: { type: 'boolean' },
      'tls-close-notify': { type: 'boolean' },
      'mux-flavour': { type: 'string' },
      'dashed-serial': { type: 'boolean' },
      preflight: { type: 'boolean' },
      'lockdown-idle-close-ms': { type: 'string' },
      'hide-values-without-session': { type: 'boolean' },
    },
  })
}

export const simCommand: CliCommand = {
  name: 'sim',
  usage: USAGE,
  run,
}
