import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { InboxWatcher } from '../../../src/main/library/inbox.js'
import type { InboxRefusal } from '../../../src/main/library/inbox-open.js'
import { fixture, tempLibrary, type TempLibrary } from './helpers.js'

beforeAll(() => {
  process.env.TZ = 'UTC'
})

let t: TempLibrary
let inbox: InboxWatcher | null = null
afterEach(async () => {
  await inbox?.stop()
  inbox = null
  t?.cleanup()
})

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('inbox folder', () => {
  it('imports files dropped there once their writes settle: dated, grouped, deduplicated', async () => {
    t = tempLibrary()
    const dir = path.join(t.dir, 'Inbox')
    fs.mkdirSync(path.join(dir, 'trip'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'already-there.JPG'), fixture('nooffset.jpg'))
    const imported: string[] = []
    inbox = new InboxWatcher({ library: t.lib, folder: dir, stabilityMs: 200, onImported: (f, o) => imported.push(`${path.basename(f)}:${o.state}:${o.libraryPath}`) })
    await inbox.start()
    await until(() => imported.length === 1)

    // A slow writer: the file grows in three steps; it must be imported once, complete.
    // Another tool's sidecar dropped with the photo is not a photo of its own.
    fs.writeFileSync(path.join(dir, 'trip', 'IMG_0100.HEIC.xmp'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
    const slow = path.join(dir, 'trip', 'IMG_0100.HEIC')
    const heic = fixture('photo.heic')
    fs.writeFileSync(slow, heic.subarray(0, 300))
    await new Promise((r) => setTimeout(r, 80))
    fs.appendFileSync(slow, heic.subarray(300, 600))
    await new Promise((r) => setTimeout(r, 80))
    fs.appendFileSync(slow, heic.subarray(600))
    fs.writeFileSync(path.join(dir, 'trip', 'IMG_0100.MOV'), fixture('live.mov'))
    fs.writeFileSync(path.join(dir, 'copy-of-photo.jpg'), fixture('nooffset.jpg'))
    fs.writeFileSync(path.join(dir, '.DS_Store'), 'hidden')
    await until(() => imported.length === 4)
    await inbox.idle()

    expect(imported.sort()).toEqual([
      'IMG_0100.HEIC:done:2022/2022-12/IMG_0100.HEIC',
      'IMG_0100.MOV:done:2022/2022-12/IMG_0100.MOV',
      'already-there.JPG:done:2021/2021-06/already-there.JPG',
      'copy-of-photo.jpg:duplicate:2021/2021-06/already-there.JPG',
    ])
    expect(fs.readFileSync(path.join(t.root, '2022/2022-12/IMG_0100.HEIC')).equals(heic)).toBe(true)
    expect(t.lib.db.prepare("SELECT kind FROM groups WHERE stem = 'IMG_0100'").get()).toEqual({ kind: 'live' })
    expect(t.lib.listQueue({ filter: 'all', offset: 0, limit: 10 }).items.every((i) => i.sourceName === 'Inbox')).toBe(true)
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
    expect(fs.existsSync(slow)).toBe(true) // the user's files stay where they are

    // After a restart the same files are recognised, not imported again.
    await inbox.stop()
    const again: string[] = []
    inbox = new InboxWatcher({ library: t.lib, folder: dir, stabilityMs: 200, onImported: (f, o) => again.push(o.state) })
    await inbox.start()
    await until(() => again.length === 4)
    await inbox.idle()
    expect(again.sort()).toEqual(['done', 'done', 'done', 'duplicate'])
    expect(t.lib.db.prepare('SELECT COUNT(*) AS n FROM assets').get()).toEqual({ n: 3 })
    expect(t.lib.db.prepare('SELECT COUNT(*) AS n FROM device_files').get()).toEqual({ n: 4 })
  })

  /** Whether any file in the library holds exactly these bytes. */
  function libraryHolds(root: string, bytes: Buffer): boolean {
    const files = fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    return files.some((e) => fs.readFileSync(path.join(e.parentPath, e.name)).equals(bytes))
  }

  it('never follows a link out of the inbox: a file link and a folder link are skipped with a reason', async () => {
    t = tempLibrary()
    const dir = path.join(t.dir, 'Inbox')
    const outside = path.join(t.dir, 'home')
    fs.mkdirSync(dir)
    fs.mkdirSync(path.join(outside, 'private'), { recursive: true })
    // What another user who can write to a shared inbox would aim at: files only Cradle's user may read.
    const secretFile = fixture('photo.jpg')
    const secretInFolder = fixture('screenshot.png')
    fs.writeFileSync(path.join(outside, 'id_ed25519.jpg'), secretFile, { mode: 0o600 })
    fs.writeFileSync(path.join(outside, 'private', 'IMG_0009.PNG'), secretInFolder, { mode: 0o600 })
    fs.symlinkSync(path.join(outside, 'id_ed25519.jpg'), path.join(dir, 'holiday.jpg'))
    fs.symlinkSync(path.join(outside, 'private'), path.join(dir, 'trip'), 'dir')
    fs.writeFileSync(path.join(dir, 'real.JPG'), fixture('nooffset.jpg'))

    const imported: string[] = []
    const skipped: string[] = []
    const errors: string[] = []
    inbox = new InboxWatcher({
      library: t.lib, folder: dir, stabilityMs: 200,
      onImported: (f) => imported.push(path.relative(dir, f)),
      onSkipped: (f, why: InboxRefusal) => skipped.push(`${path.relative(dir, f)}:${why}`),
      onError: (f, e) => errors.push(`${path.relative(dir, f)}:${e.code}`),
    })
    await inbox.start()
    await until(() => imported.length + skipped.length + errors.length >= 3)
    await inbox.idle()

    expect(imported).toEqual(['real.JPG'])
    expect(skipped.sort()).toEqual(['holiday.jpg:link', 'trip:link'])
    expect(errors).toEqual([])
    expect(libraryHolds(t.root, secretFile)).toBe(false)
    expect(libraryHolds(t.root, secretInFolder)).toBe(false)
    expect(t.lib.db.prepare('SELECT path FROM device_files').all()).toEqual([{ path: '/real.JPG' }])
  })

  it('refuses a file whose folder was swapped for a link between the scan and the open', async () => {
    t = tempLibrary()
    const dir = path.join(t.dir, 'Inbox')
    const outside = path.join(t.dir, 'home')
    for (const d of [path.join(dir, 'a'), path.join(dir, 'b'), path.join(outside, 'a'), path.join(outside, 'b')]) fs.mkdirSync(d, { recursive: true })
    fs.writeFileSync(path.join(dir, 'a', 'IMG_0001.JPG'), fixture('nooffset.jpg'))
    fs.writeFileSync(path.join(dir, 'b', 'IMG_0001.JPG'), fixture('photo.jpg'))
    // The same names outside, holding what must never be imported.
    const secret = { a: fixture('screenshot.png'), b: fixture('photo.heic') }
    fs.writeFileSync(path.join(outside, 'a', 'IMG_0001.JPG'), secret.a, { mode: 0o600 })
    fs.writeFileSync(path.join(outside, 'b', 'IMG_0001.JPG'), secret.b, { mode: 0o600 })

    // Files are imported one at a time: while the first is reported, the other one has been
    // seen by the scan and waits for its turn. Its folder is swapped for a link to `outside` then.
    const imported: string[] = []
    const skipped: string[] = []
    let swapped = ''
    inbox = new InboxWatcher({
      library: t.lib, folder: dir, stabilityMs: 200,
      onImported: (f) => {
        imported.push(path.relative(dir, f))
        if (swapped) return
        swapped = path.relative(dir, f).startsWith('a') ? 'b' : 'a'
        fs.renameSync(path.join(dir, swapped), path.join(t.dir, `moved-${swapped}`))
        fs.symlinkSync(path.join(outside, swapped), path.join(dir, swapped), 'dir')
      },
      onSkipped: (f, why) => skipped.push(`${path.relative(dir, f)}:${why}`),
    })
    await inbox.start()
    const other = (): string => path.join(swapped, 'IMG_0001.JPG')
    await until(() => swapped !== '' && (imported.includes(other()) || skipped.includes(`${other()}:outside`)))
    await inbox.idle()

    expect(imported).toEqual([path.join(swapped === 'a' ? 'b' : 'a', 'IMG_0001.JPG')])
    expect(skipped).toContain(`${other()}:outside`)
    expect(libraryHolds(t.root, secret.a)).toBe(false)
    expect(libraryHolds(t.root, secret.b)).toBe(false)
  })
})
