/**
 * The icons in assets/ (made by assets/make-icons.mjs, committed) are what each OS needs: every
 * tray state in every variant the shell can ask for, at 1x and 2x, and app icons electron-builder
 * takes as they are. Files are parsed, not just listed.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { APP_ICON_FILE, trayIconFile } from '../../../src/main/electron/tray/tray-icons.js'
import { TRAY_ICON_STATES } from '../../../src/main/electron/tray/tray-model.js'

const ASSETS = path.resolve(import.meta.dirname, '../../../assets')
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Width, height, bit depth and colour type from a PNG's IHDR. */
function pngInfo(buf: Buffer): { width: number; height: number; depth: number; colourType: number } {
  expect(buf.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
  expect(buf.toString('ascii', 12, 16)).toBe('IHDR')
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), depth: buf[24]!, colourType: buf[25]! }
}
const png = (rel: string) => pngInfo(readFileSync(path.join(ASSETS, rel)))

describe('tray icons', () => {
  const cases = TRAY_ICON_STATES.flatMap((state) => [
    { state, platform: 'darwin' as const, colour: 'black' as const, size: 16, retina: true },
    { state, platform: 'win32' as const, colour: 'black' as const, size: 16, retina: true },
    { state, platform: 'win32' as const, colour: 'white' as const, size: 16, retina: true },
    { state, platform: 'linux' as const, colour: 'black' as const, size: 32, retina: false },
    { state, platform: 'linux' as const, colour: 'white' as const, size: 32, retina: false },
  ])

  it.each(cases)('$platform $state $colour: $size px RGBA, with @2x where the OS looks for one', ({ state, platform, colour, size, retina }) => {
    const rel = trayIconFile(state, platform, colour)
    expect(png(rel)).toEqual({ width: size, height: size, depth: 8, colourType: 6 })
    if (retina) expect(png(rel.replace(/\.png$/, '@2x.png'))).toMatchObject({ width: size * 2, height: size * 2 })
  })

  it('macOS template images are black with alpha only (the menu bar recolours them)', () => {
    for (const state of TRAY_ICON_STATES) {
      const buf = readFileSync(path.join(ASSETS, trayIconFile(state, 'darwin', 'black').replace('.png', '@2x.png')))
      expect(buf.toString('ascii', 37, 41)).toBe('IDAT') // one IDAT right after IHDR, as make-icons.mjs writes
      const idat = buf.subarray(41, 41 + buf.readUInt32BE(33))
      const raw = inflateSync(idat)
      let coloured = 0
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
        const p = y * (32 * 4 + 1) + 1 + x * 4
        if (raw[p + 3]! > 0 && (raw[p]! > 8 || raw[p + 1]! > 8 || raw[p + 2]! > 8)) coloured++
      }
      expect(coloured, state).toBe(0)
    }
  })
})

describe('app icons', () => {
  it('window icon and electron-builder sources at their sizes', () => {
    expect(png(APP_ICON_FILE)).toMatchObject({ width: 512, height: 512 })
    expect(png('build/icon.png')).toMatchObject({ width: 1024, height: 1024 })
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) expect(png(`build/icons/${size}x${size}.png`)).toMatchObject({ width: size, height: size })
  })

  it('icon.ico holds 16–256 px images whose directory matches their data', () => {
    const ico = readFileSync(path.join(ASSETS, 'build/icon.ico'))
    expect(ico.readUInt16LE(0)).toBe(0)
    expect(ico.readUInt16LE(2)).toBe(1)
    const count = ico.readUInt16LE(4)
    const sizes: number[] = []
    for (let i = 0; i < count; i++) {
      const e = 6 + 16 * i
      const size = ico[e] === 0 ? 256 : ico[e]!
      const length = ico.readUInt32LE(e + 8)
      const offset = ico.readUInt32LE(e + 12)
      expect(offset + length).toBeLessThanOrEqual(ico.length)
      const body = ico.subarray(offset, offset + length)
      if (body.subarray(0, 8).equals(PNG_SIGNATURE)) expect(pngInfo(body).width).toBe(size)
      else expect([body.readUInt32LE(0), body.readInt32LE(4), body.readInt32LE(8), body.readUInt16LE(14)]).toEqual([40, size, size * 2, 32])
      sizes.push(size)
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256])
  })

  it('icon.icns holds PNGs from 16 to 1024 px under the types iconutil uses', () => {
    const icns = readFileSync(path.join(ASSETS, 'build/icon.icns'))
    expect(icns.toString('ascii', 0, 4)).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const found: Record<string, number> = {}
    for (let at = 8; at < icns.length;) {
      const type = icns.toString('ascii', at, at + 4)
      const length = icns.readUInt32BE(at + 4)
      found[type] = pngInfo(icns.subarray(at + 8, at + length)).width
      at += length
    }
    expect(found).toEqual({ icp4: 16, icp5: 32, ic11: 32, ic12: 64, ic07: 128, ic13: 256, ic08: 256, ic14: 512, ic09: 512, ic10: 1024 })
  })

  it('keeps the SVG sources and the script that makes the PNGs', () => {
    for (const f of ['src/glyph.svg', 'src/app-icon.svg', 'make-icons.mjs']) expect(existsSync(path.join(ASSETS, f)), f).toBe(true)
  })
})
