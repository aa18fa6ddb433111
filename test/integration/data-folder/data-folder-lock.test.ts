/**
 * The data-folder lock across real processes: it excludes a second process (both ways), names the
 * holder, and a SIGKILLed holder leaves no stale lock — the next Cradle gets it at once.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HOLDER_FILE, lockDataFolder, tryLockDataFolder } from '../../../src/main/data-folder/data-folder-lock.js'
import { describeError } from '../../../src/shared/error-text.js'
import { isCradleError, type CradleError } from '../../../src/shared/errors.js'
import { REPO_ROOT } from '../../helpers/cli.js'

const HOLDER = path.join(REPO_ROOT, 'test/helpers/hold-data-folder.ts')
const cleanups: (() => void)[] = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

function tempData(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-lock-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'data')
}

interface Holder {
  child: ChildProcess
  /** The first line it printed. */
  answer: Promise<{ locked: boolean; pid?: number; heldBy?: { pid: number; command: string; since: number } | null }>
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function holder(dir: string, command: string): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir, command], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  cleanups.push(() => child.kill('SIGKILL'))
  let out = ''
  const answer = new Promise<Holder['answer'] extends Promise<infer T> ? T : never>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)))
    })
    child.on('close', () => reject(new Error(`holder exited without an answer: ${out}`)))
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  return { child, answer, exit }
}

describe('one Cradle per data folder: the lock', () => {
  it('refuses a second process and names the one that holds the folder', async () => {
    const data = tempData()
    const first = holder(data, 'cradle serve')
    expect((await first.answer).locked).toBe(true)

    const error = (() => {
      try {
        lockDataFolder(data, 'cradle backup --once')
      } catch (e) {
        return e
      }
      return null
    })()
    expect(isCradleError(error, 'data-folder-in-use')).toBe(true)
    const ctx = (error as CradleError).context
    expect(ctx).toMatchObject({ pid: first.child.pid, command: 'cradle serve', path: data })
    const text = describeError('data-folder-in-use', ctx)
    expect(text.title).toContain(`Another Cradle (pid ${first.child.pid}, cradle serve, since `)
    expect(text.title).toContain('is using this data folder')

    // Released on a clean end, then it is anyone's.
    first.child.stdin!.end()
    expect((await first.exit).code).toBe(0)
    const lock = lockDataFolder(data, 'test')
    lock.release()
  })

  it('a SIGKILLed holder leaves no stale lock', async () => {
    const data = tempData()
    const first = holder(data, 'cradle serve')
    expect((await first.answer).locked).toBe(true)
    expect(tryLockDataFolder(data, 'test').heldBy?.pid).toBe(first.child.pid)
    first.child.kill('SIGKILL')
    expect((await first.exit).signal).toBe('SIGKILL')
    // Its description is still on disk (no cleanup ran); the lock is not.
    expect(fs.existsSync(path.join(data, HOLDER_FILE))).toBe(true)
    const lock = lockDataFolder(data, 'after the kill')
    expect(JSON.parse(fs.readFileSync(path.join(data, HOLDER_FILE), 'utf8'))).toMatchObject({ pid: process.pid, command: 'after the kill' })
    lock.release()
  })

  it('excludes the other way round too, and a second lock in the same process', async () => {
    const data = tempData()
    const lock = lockDataFolder(data, 'cradle status')
    const second = holder(data, 'cradle serve')
    expect(await second.answer).toEqual({ locked: false, heldBy: { pid: process.pid, command: 'cradle status', since: lock.holder.since } })
    expect((await second.exit).code).toBe(0)
    expect(tryLockDataFolder(data, 'same process').heldBy).toMatchObject({ pid: process.pid })
    lock.release()
    expect(fs.existsSync(path.join(data, HOLDER_FILE))).toBe(false)
    const third = holder(data, 'cradle serve')
    expect((await third.answer).locked).toBe(true)
  })
})
