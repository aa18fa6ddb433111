/**
 * History records what a destination did (issue 19): after `cradle backup --once` uploads to a
 * folder destination, `cradle status` and its --json carry the batch in photos and videos ("Uploaded
 * 9 photos and videos to Shelf"), and a folder that cannot take the files says how many did not
 * get there and why. The CLI from source in a child process against the virtual iPhone.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { runCliProcess } from '../../helpers/cli.js'
import { tempDirs, type TempDirs } from '../../helpers/engine.js'
import { pairWithSim } from '../../helpers/engine-cli.js'

let sim: Simulator
let dirs: TempDirs

beforeAll(async () => {
  dirs = tempDirs('cradle-upload-history-')
  sim = await startSimulator({ devices: [{ photos: { count: 10, seed: 19 }, battery: { level: 80, charging: true, externalPower: true } }] })
  await pairWithSim(sim.address, sim.devices[0]!.udid)
}, 120_000)

afterAll(async () => {
  await sim?.close()
  dirs?.cleanup()
})

function cradle(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCliProcess([...args, '--data', dirs.dataDir, '--library', dirs.libraryDir], {
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address, CRADLE_LOG: 'silent' },
    timeoutMs: 120_000,
  })
}

interface Status {
  phones: { photos: { safe: number } }[]
  destinations: { name: string; done: number; pending: number; failed: number }[]
  uploadHistory: { destination: string; uploaded: number; notUploaded: number; files: number; failedFiles: number; reason: string | null; text: string }[]
  lastRun: { sourceName: string } | null
}

describe('History of uploads', () => {
  it('records each destination\'s batch in photos and videos, shown by cradle status and its --json', async () => {
    const shelf = path.join(dirs.dir, 'shelf')
    fs.mkdirSync(shelf)
    expect((await cradle(['destination', 'add', 'folder', '--name', 'Shelf', '--path', shelf])).code).toBe(0)
    const run = await cradle(['backup', '--once', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    const s = JSON.parse((await cradle(['status', '--json'])).stdout) as Status
    const photos = s.phones[0]!.photos.safe
    const files = s.uploadHistory[0]!.files
    // The roll has Live Photos and edits: fewer photos and videos than files. Every count of the
    // destination is in photos and videos, as the phone's: status, its --json, backup's summary.
    expect(photos).toBeGreaterThan(0)
    expect(photos).toBeLessThan(files)
    expect(s.destinations.find((d) => d.name === 'Shelf')).toMatchObject({ done: photos, pending: 0, failed: 0 })
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { uploads: { destination: string; done: number }[] }
    expect(summary.uploads).toEqual([{ destination: 'Shelf', done: photos, pending: 0, failed: 0, problem: null }])
    expect(s.uploadHistory).toEqual([
      { at: expect.any(Number), destination: 'Shelf', uploaded: photos, notUploaded: 0, files, failedFiles: 0, bytes: expect.any(Number), reason: null, text: `Uploaded ${photos} photos and videos to Shelf` },
    ])
    // The last run is still the phone's import, not the upload that followed it.
    expect(s.lastRun).toMatchObject({ sourceName: sim.devices[0]!.name })
    const text = (await cradle(['status'])).stdout
    expect(text).toContain(`\n  Shelf (folder) · ${photos} photos and videos uploaded · 0 waiting · 0 failed\n`)
    expect(text).toMatch(new RegExp(`\\n     last batch today \\d\\d?:\\d\\d( [AP]M)?: Uploaded ${photos} photos and videos to Shelf\\n`))

    // A second run has nothing new to upload: no "0 uploaded" line.
    expect((await cradle(['backup', '--once', '--json'])).code).toBe(0)
    expect((JSON.parse((await cradle(['status', '--json'])).stdout) as Status).uploadHistory).toHaveLength(1)

    // A destination that cannot take anything (its folder is a file): what did not get there, and why.
    const notAFolder = path.join(dirs.dir, 'not-a-folder')
    fs.writeFileSync(notAFolder, 'a file where the folder should be\n')
    expect((await cradle(['destination', 'add', 'folder', '--name', 'Broken', '--path', notAFolder, '--no-test'])).code).toBe(0)
    const failed = await cradle(['backup', '--once', '--json'])
    expect(failed.code).toBe(1)
    const after = JSON.parse((await cradle(['status', '--json'])).stdout) as Status
    expect(after.uploadHistory).toHaveLength(2)
    const broken = after.uploadHistory[0]!
    expect(broken).toMatchObject({ destination: 'Broken', uploaded: 0, notUploaded: photos, files: 0 })
    expect(broken.reason).toMatch(/^Broken /)
    expect(broken.text).toBe(`${photos} not uploaded to Broken: ${broken.reason}`)
    // The summary counts the photos and videos left waiting there, not their files.
    const left = (JSON.parse(failed.stdout.trim().split('\n').at(-1)!) as { uploads: { destination: string; done: number; pending: number }[] }).uploads
    expect(left.find((u) => u.destination === 'Broken')).toMatchObject({ done: 0, pending: photos })
  }, 240_000)
})
