import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import exifr from 'exifr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCameraRoll, type CameraRollManifest } from '../../../src/sim/roll/generator.js'

let work: string
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'sim-gen-'))
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

/** path → sha256 + mtime of every file under dir. */
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name)
      if (e.isDirectory()) await walk(full)
      else out[path.relative(dir, full)] = `${createHash('sha256').update(await fs.readFile(full)).digest('hex')} ${(await fs.stat(full)).mtimeMs}`
    }
  }
  await walk(dir)
  return out
}

describe('camera-roll generator', () => {
  let a: CameraRollManifest
  beforeAll(async () => {
    a = await generateCameraRoll(path.join(work, 'a'), { count: 400, seed: 11 })
  })

  it('writes the same bytes and mtimes for the same seed, and different ones for another seed', async () => {
    await generateCameraRoll(path.join(work, 'b'), { count: 400, seed: 11 })
    await generateCameraRoll(path.join(work, 'c'), { count: 400, seed: 12 })
    const fa = await fingerprint(path.join(work, 'a'))
    expect(await fingerprint(path.join(work, 'b'))).toEqual(fa)
    const fc = await fingerprint(path.join(work, 'c'))
    const sameContent = Object.keys(fa).filter((k) => fc[k] !== undefined && fc[k]!.split(' ')[0] === fa[k]!.split(' ')[0] && !k.endsWith('.plist'))
    expect(sameContent.filter((k) => a.files.find((f) => f.path === k)?.size !== 0)).toEqual([])
  })

  it('makes every file unique (except the one zero-byte file)', async () => {
    const f = await fingerprint(path.join(work, 'a'))
    const hashes = Object.entries(f).filter(([k]) => a.files.find((x) => x.path === k)!.size > 0).map(([, v]) => v.split(' ')[0])
    expect(new Set(hashes).size).toBe(hashes.length)
    expect(a.files.filter((x) => x.size === 0)).toHaveLength(1)
    expect(Object.keys(f).length).toBe(a.files.length)
  })

  it('stamps each photo with the capture date and offset the manifest reports, and mtime = capture', async () => {
    const photos = a.files.filter((x) => x.role === 'photo' && (x.kind === 'heic' || x.kind === 'jpeg')).slice(0, 25)
    for (const p of photos) {
      const buf = await fs.readFile(path.join(work, 'a', p.path))
      const tags = await exifr.parse(buf, { pick: ['DateTimeOriginal', 'OffsetTimeOriginal', 'ImageUniqueID'], reviveValues: false })
      const local = new Date(Date.parse(p.captureUtc) + p.offsetMinutes * 60_000).toISOString()
      expect(tags.DateTimeOriginal).toBe(`${local.slice(0, 10).replaceAll('-', ':')} ${local.slice(11, 19)}`)
      const sign = p.offsetMinutes < 0 ? '-' : '+'
      const abs = Math.abs(p.offsetMinutes)
      expect(tags.OffsetTimeOriginal).toBe(`${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`)
      expect(tags.ImageUniqueID).toBe(p.id.toUpperCase())
      expect((await fs.stat(path.join(work, 'a', p.path))).mtimeMs).toBe(Date.parse(p.captureUtc))
    }
  })

  it('writes .AAE sidecars as XML plists of adjustments', async () => {
    const aae = a.files.find((x) => x.kind === 'aae')!
    const text = await fs.readFile(path.join(work, 'a', aae.path), 'utf8')
    expect(text.startsWith('<?xml')).toBe(true)
    expect(text).toContain('<key>adjustmentFormatIdentifier</key>')
    expect(text).toContain('com.apple.photo')
  })

  it('pads photos and videos to the size knob and keeps the boxes valid (random and sparse)', async () => {
    for (const padding of ['random', 'sparse'] as const) {
      const dir = path.join(work, `big-${padding}`)
      const m = await generateCameraRoll(dir, { count: 30, seed: 4, photoBytes: 200_000, videoBytes: 2_000_000, padding, oddNames: false })
      for (const f of m.files) {
        const st = await fs.stat(path.join(dir, f.path))
        expect(st.size).toBe(f.size)
        if (f.role === 'photo' || f.role === 'video') {
          const target = f.role === 'photo' ? 200_000 : 2_000_000
          expect(f.size).toBeGreaterThanOrEqual(0.75 * target - 1)
          expect(f.size).toBeLessThanOrEqual(1.25 * target + 1)
        }
        if (f.kind === 'mov' || f.kind === 'heic') {
          // Top-level boxes must tile the file exactly (the padding is a `free` box).
          const buf = await fs.readFile(path.join(dir, f.path))
          let at = 0
          while (at < buf.length) {
            const size = buf.readUInt32BE(at)
            expect(size).toBeGreaterThanOrEqual(8)
            at += size
          }
          expect(at).toBe(buf.length)
        }
      }
      expect(m.totalBytes).toBeGreaterThan(20 * 150_000)
    }
  })
})
