/**
 * Small real volumes for the full-disk tests: a tmpfs mounted for one test. Mounting needs root;
 * a test that needs it FAILS when not root, unless CRADLE_SKIP_ROOT_TESTS=1 says to skip it —
 * never a silent skip.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { it } from 'vitest'

const isRoot = process.getuid?.() === 0

/** `it` for a test that mounts volumes: skipped only when not root AND CRADLE_SKIP_ROOT_TESTS=1. */
export const itAsRoot: typeof it = !isRoot && process.env.CRADLE_SKIP_ROOT_TESTS === '1' ? (it.skip as typeof it) : it

export interface Tmpfs {
  dir: string
  /** Changes the size (e.g. to give space back). */
  resize(sizeKb: number): void
  /** Fills what is free, but `leaveBytes`, with one file; returns a function that deletes it again. */
  fill(leaveBytes?: number): () => void
  unmount(): void
}

export function mountTmpfs(sizeKb: number, prefix = 'cradle-vol-'): Tmpfs {
  if (!isRoot) throw new Error('this test mounts a tmpfs and needs root (set CRADLE_SKIP_ROOT_TESTS=1 to skip it)')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir])
  let mounted = true
  return {
    dir,
    resize: (kb) => void execFileSync('mount', ['-o', `remount,size=${kb}k`, dir]),
    fill: (leaveBytes = 0) => {
      const filler = path.join(dir, `.filler-${Math.random().toString(36).slice(2)}`)
      const fd = fs.openSync(filler, 'w')
      const block = Buffer.alloc(64 * 1024, 0xee)
      const st = fs.statfsSync(dir)
      let room = st.bavail * st.bsize - leaveBytes
      try {
        while (room > 0) room -= fs.writeSync(fd, block, 0, Math.min(block.length, Math.max(512, room)))
        // Nothing left at all, down to the last partial block.
        if (leaveBytes === 0) for (;;) fs.writeSync(fd, block, 0, 512)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
      }
      fs.closeSync(fd)
      return () => fs.rmSync(filler, { force: true })
    },
    unmount: () => {
      if (!mounted) return
      mounted = false
      execFileSync('umount', ['-l', dir])
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
