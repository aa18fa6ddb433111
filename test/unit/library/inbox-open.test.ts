import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openInboxFile } from '../../../src/main/library/inbox-open.js'

let dir: string
let inbox: string
let outside: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-inbox-open-'))
  inbox = path.join(dir, 'Inbox')
  outside = path.join(dir, 'home')
  fs.mkdirSync(path.join(inbox, 'sub'), { recursive: true })
  fs.mkdirSync(outside)
  fs.writeFileSync(path.join(outside, 'secret'), 'not for the inbox')
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

async function refusal(abs: string, root = inbox): Promise<string> {
  const r = await openInboxFile(fs.realpathSync(root), abs)
  if (r.ok) {
    await r.handle.close()
    return 'opened'
  }
  return r.refusal
}

describe('openInboxFile', () => {
  it('opens a file in the inbox and in its folders, with the stat of what it opened', async () => {
    fs.writeFileSync(path.join(inbox, 'sub', 'a.jpg'), 'abc')
    const r = await openInboxFile(fs.realpathSync(inbox), path.join(inbox, 'sub', 'a.jpg'))
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.stat.size).toBe(3n)
    expect((await r.handle.read(Buffer.alloc(3), 0, 3, 0)).buffer.toString()).toBe('abc')
    await r.handle.close()
  })

  it('refuses a link to a file, a link to a folder and a file under a linked folder', async () => {
    fs.symlinkSync(path.join(outside, 'secret'), path.join(inbox, 'a.jpg'))
    fs.symlinkSync(outside, path.join(inbox, 'linked'), 'dir')
    expect(await refusal(path.join(inbox, 'a.jpg'))).toBe('link')
    expect(await refusal(path.join(inbox, 'linked'))).toBe('link')
    expect(await refusal(path.join(inbox, 'linked', 'secret'))).toBe('outside')
  })

  it('refuses a link inside the inbox too (never follows any link)', async () => {
    fs.writeFileSync(path.join(inbox, 'real.jpg'), 'x')
    fs.symlinkSync(path.join(inbox, 'real.jpg'), path.join(inbox, 'alias.jpg'))
    expect(await refusal(path.join(inbox, 'alias.jpg'))).toBe('link')
  })

  it('accepts an inbox folder that is itself a link the user made', async () => {
    fs.writeFileSync(path.join(inbox, 'a.jpg'), 'x')
    const alias = path.join(dir, 'InboxLink')
    fs.symlinkSync(inbox, alias, 'dir')
    expect(await refusal(path.join(alias, 'a.jpg'), alias)).toBe('opened')
  })

  it('refuses a FIFO without blocking on it', async () => {
    const fifo = path.join(inbox, 'pipe.jpg')
    execFileSync('mkfifo', [fifo])
    expect(await refusal(fifo)).toBe('not-a-file')
  })
})
