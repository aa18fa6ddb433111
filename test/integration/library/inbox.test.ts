import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { InboxWatcher } from '../../../src/main/library/inbox.js'
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
})
