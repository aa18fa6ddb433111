/**
 * Changing the library folder in Settings takes effect at once when no iPhone is connected: the
 * next import lands in the new folder, the old one is left as it was. While a phone is connected
 * the change is refused with words that say why, and nothing is saved.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { deviceOf, listFiles, startTestEngine, tempDirs, waitForState, type TempDirs } from '../../helpers/engine.js'

let sim: Simulator | undefined
let dirs: TempDirs | undefined
let engine: Engine | undefined

afterEach(async () => {
  await engine?.stop()
  await sim?.close()
  dirs?.cleanup()
  engine = sim = dirs = undefined
})

const power = { level: 80, charging: true, externalPower: true }

describe('changing the library folder', () => {
  it('switches at once without a phone, and is refused while one is connected', async () => {
    dirs = tempDirs('cradle-libswitch-')
    sim = await startSimulator({ devices: [{ name: 'Anna’s iPhone', battery: power, photos: { count: 6, seed: 5, oddNames: false } }] })
    const phone = sim.devices[0]!
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    const first = await waitForState(engine, (s) => deviceOf(s, phone.udid)?.phase === 'done' && s)
    const oldFiles = listFiles(dirs.libraryDir)
    expect(oldFiles.length).toBeGreaterThan(0)

    const elsewhere = path.join(dirs.dir, 'NewDisk', 'Photos')
    await expect(engine.handle('updateSettings', { libraryPath: elsewhere })).rejects.toMatchObject({ code: 'library-in-use', context: { key: 'libraryPath' } })
    expect(engine.current().settings.libraryPath).toBe(first.settings.libraryPath)

    phone.detach()
    await waitForState(engine, (s) => s.devices.some((d) => d.udid === phone.udid && !d.connected))
    const saved = await engine.handle('updateSettings', { libraryPath: elsewhere })
    expect(saved.libraryPath).toBe(elsewhere)
    expect(engine.current().library.path).toBe(elsewhere)
    expect(fs.existsSync(path.join(elsewhere, '.cradle-library'))).toBe(true)
    expect(JSON.parse(fs.readFileSync(path.join(dirs.dataDir, 'settings.json'), 'utf8')).libraryPath).toBe(elsewhere)

    // A new photo on the phone goes to the new folder; the old folder is untouched.
    const newFolder = fs.readdirSync(phone.dcimDir).find((d) => d.endsWith('APPLE'))!
    fs.writeFileSync(path.join(phone.dcimDir, newFolder, 'IMG_7777.JPG'), crypto.randomBytes(50_000))
    phone.attach()
    await waitForState(engine, (s) => deviceOf(s, phone.udid)?.phase === 'done' && s.history.length >= 2)
    expect(listFiles(dirs.libraryDir)).toEqual(oldFiles)
    expect(listFiles(elsewhere).some((f) => f.endsWith('IMG_7777.JPG'))).toBe(true)
  }, 120_000)

  it('refuses a folder Cradle may not use and keeps the old one', async () => {
    dirs = tempDirs('cradle-libswitch-')
    sim = await startSimulator({ devices: [] })
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    const aFile = path.join(dirs.dir, 'not-a-folder')
    fs.writeFileSync(aFile, 'x')
    await expect(engine.handle('updateSettings', { libraryPath: path.join(aFile, 'Photos') })).rejects.toMatchObject({ code: expect.stringMatching(/^library-/) })
    expect(engine.current().settings.libraryPath).toBe(dirs.libraryDir)
  }, 60_000)
})
