/**
 * `cradle demo`: the whole product against a virtual iPhone, on a fresh temporary library —
 * the simulator, the engine and the web UI in one process. Control lines on stdin drive the phone
 * (detach, attach, battery, trust …), which is also how the end-to-end tests script it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { CONTROL_HELP, runControlCommand } from '../../../../sim/control/commands.js'
import { startSimulator } from '../../../../sim/index.js'
import { removeInBackground } from '../../../../sim/remove-in-background.js'
import type { TrustMode } from '../../../../sim/device/trust.js'
import { startEngine } from '../../../engine/start.js'
import { createLogger } from '../../../logging/logger.js'
import { startHttpServer } from '../../http/server.js'
import { memorySecretStore } from '../../memory-secret-store.js'
import { headlessOpener, logNotifier } from '../../ports/headless-opener.js'
import { nodePowerSource } from '../../ports/node-power-source.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { numberOption } from '../numbers.js'
import { PHOTOS_SCHEMAS, type PhotosSchema } from '../../../../sim/photos/schemas.js'
import { currentPlatform } from '../platform.js'

const USAGE = `Usage: cradle demo [options]

Runs Cradle against a virtual iPhone on a fresh temporary library and serves the window at
http://127.0.0.1:PORT; open the printed link (it carries the access token). Everything is deleted when it stops (Ctrl-C), unless --keep.

Options:
  --port P              web UI port (default 8420; 0 = any free port)
  --photos N            items in the virtual camera roll (default 300)
  --seed S              camera-roll seed (default 1)
  --trust MODE          auto (default) | prompt | deny | locked: how the phone answers Trust
  --battery LEVEL       phone battery percent (default 57)
  --not-charging        the phone is not on external power (shows "Waiting for power")
  --bandwidth-mbps M    link speed in MB/s like a USB 2 cable (default 30; 0 = unlimited)
  --latency-ms MS       per-reply link delay (default 1)
  --photo-bytes B       approximate size of each photo (default 2500000)
  --video-bytes B       approximate size of each video (default 12000000)
  --photo-library S     the phone's Photos library (albums, favorites, Recently Deleted, iCloud-only,
                        originals from iCloud, one original it lists that the phone lacks):
                        ios17 (default), ios14, ios13 table shapes, or none
  --dir DIR             keep the library, data and camera roll in DIR instead of a temp folder
  --keep                do not delete the temporary folder at exit

Ready line (stdout): {"event":"ready","url":…,"accessUrl":…,"library":…,"data":…,"socket":…,"devices":[…]}
Then one JSON line per control command typed on stdin.

${CONTROL_HELP}`

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      photos: { type: 'string' },
      seed: { type: 'string' },
      trust: { type: 'string' },
      battery: { type: 'string' },
      'not-charging': { type: 'boolean' },
      'bandwidth-mbps': { type: 'string' },
      'latency-ms': { type: 'string' },
      'photo-bytes': { type: 'string' },
      'video-bytes': { type: 'string' },
      'photo-library': { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean' },
    },
  })
}

const TRUST: TrustMode[] = ['auto', 'prompt', 'deny', 'locked']

async function run(args: string[], ctx: CliContext): Promise<number> {
  let v: ReturnType<typeof parse>['values']
  try {
    v = parse(args).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const trust = (v.trust ?? 'auto') as TrustMode
  if (!TRUST.includes(trust)) throw new UsageError(`--trust must be one of ${TRUST.join(', ')}`)
  const port = numberOption(v.port, '--port', { int: true, max: 65535 }) ?? 8420
  const photos = numberOption(v.photos, '--photos', { int: true, max: 200_000 }) ?? 300
  const seed = numberOption(v.seed, '--seed', { int: true }) ?? 1
  const level = numberOption(v.battery, '--battery', { int: true, max: 100 }) ?? 57
  const bandwidth = numberOption(v['bandwidth-mbps'], '--bandwidth-mbps') ?? 30
  const latency = numberOption(v['latency-ms'], '--latency-ms') ?? 1
  const photoBytes = numberOption(v['photo-bytes'], '--photo-bytes', { int: true }) ?? 2_500_000
  const videoBytes = numberOption(v['video-bytes'], '--video-bytes', { int: true }) ?? 12_000_000
  const photoLibrary = v['photo-library'] ?? 'ios17'
  if (photoLibrary !== 'none' && !(PHOTOS_SCHEMAS as readonly string[]).includes(photoLibrary)) {
    throw new UsageError(`--photo-library must be one of ${[...PHOTOS_SCHEMAS, 'none'].join(', ')}`)
  }

  const log = createLogger('demo')
  const root = v.dir ? path.resolve(v.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-demo-'))
  const keep = v.keep === true || v.dir !== undefined
  fs.mkdirSync(root, { recursive: true })
  const dataDir = path.join(root, 'data')
  const libraryDir = path.join(root, 'library')
  const charging = v['not-charging'] !== true

  const sim = await startSimulator({
    socket: `UNIX:${path.join(root, 'usbmuxd.sock')}`,
    devices: [{
      name: 'Demo iPhone',
      productType: 'iPhone14,5',
      trust,
      battery: { level, charging, externalPower: charging },
      photos: { count: photos, seed, photoBytes, videoBytes, padding: 'sparse' },
      // The window shows albums, favorites and the completeness line from it, as with a real phone —
      // and the list of where the database and DCIM disagree, both ways: the roll's odd extras are
      // files Photos does not list, and one original Photos lists is not on the phone (missingOriginal).
      ...(photoLibrary === 'none' ? {} : { photoLibrary: { schema: photoLibrary as PhotosSchema, missingOriginal: true } }),
    }],
    latencyMs: latency,
    bandwidthMBps: bandwidth,
  })
  let engine: Awaited<ReturnType<typeof startEngine>> | null = null
  let server: Awaited<ReturnType<typeof startHttpServer>> | null = null
  try {
    engine = await startEngine(
      {
        dataDir,
        entryPoint: 'cradle demo',
        libraryDir,
        muxAddress: sim.address,
        platform: currentPlatform(),
        power: nodePowerSource(),
        notifier: logNotifier(log),
        secrets: memorySecretStore(),
        opener: headlessOpener(log),
      },
      // The demo's computer is always "on AC" so uploads to a destination added in the window start at once.
      { settingsOverride: { uploadOnlyOnAcPower: false } },
    )
    server = await startHttpServer({ handler: engine, port })
    ctx.stdout.write(`${JSON.stringify({ event: 'ready', url: server.url, accessUrl: server.accessUrl, library: libraryDir, data: dataDir, socket: sim.address, devices: sim.devices.map((d) => ({ udid: d.udid, name: d.name })) })}\n`)
    ctx.stderr.write(`\nCradle demo: open ${server.accessUrl}\nA virtual iPhone with ${photos} items is plugged in; the library is ${libraryDir}\nType "help" for commands that unplug, re-plug or drain the phone; Ctrl-C stops.\n\n`)

    const lines = createInterface({ input: ctx.stdin })
    lines.on('line', (line) => {
      if (line.trim() === 'help') return void ctx.stdout.write(`${JSON.stringify({ event: 'help', text: CONTROL_HELP })}\n`)
      const result = runControlCommand(sim, line)
      if (result) ctx.stdout.write(`${JSON.stringify(result)}\n`)
    })
    await new Promise<void>((resolve) => {
      if (ctx.stopSignal.aborted) return resolve()
      ctx.stopSignal.addEventListener('abort', () => resolve(), { once: true })
    })
    lines.close()
    return 0
  } finally {
    await server?.close().catch(() => undefined)
    await engine?.stop().catch(() => undefined)
    // The generated phone and its backup can take a minute to delete: a detached process does it,
    // so Ctrl-C ends the demo at once.
    await sim.close({ removeWorkDirInBackground: true }).catch(() => undefined)
    if (!keep) removeInBackground(root)
  }
}

export const demoCommand: CliCommand = {
  name: 'demo',
  usage: USAGE,
  run,
}
