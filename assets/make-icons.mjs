// Renders every icon the desktop app needs from the SVG sources in assets/src/, with headless
// Chromium (Playwright) as the SVG rasteriser, and writes PNG, ICO and ICNS files itself so their
// layout does not depend on a conversion tool. Run once after changing a source; the output is
// committed:  node assets/make-icons.mjs  [--chromium /usr/bin/chromium]
//
//   assets/tray/tray-<state>Template.png (+@2x)     macOS menu bar: black + alpha, 16/32 px
//   assets/tray/tray-<state>-<white|black>.png (+@2x)  Windows notification area: 16/32 px
//   assets/tray/linux/tray-<state>-<white|black>.png   Linux panels scale it down: 32 px
//   assets/app/icon-512.png                          window and notification icon (Linux/Windows)
//   assets/build/icon.png (1024), icon.icns, icon.ico, icons/<N>x<N>.png   electron-builder
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import { chromium } from 'playwright'

const here = path.dirname(fileURLToPath(import.meta.url))
const out = (...p) => {
  const file = path.join(here, ...p)
  mkdirSync(path.dirname(file), { recursive: true })
  return file
}

// ---- SVG composition -------------------------------------------------------------------------

const glyphSource = readFileSync(path.join(here, 'src', 'glyph.svg'), 'utf8')
const glyph = /<g id="glyph">([\s\S]*?)<\/g>/.exec(glyphSource)?.[1]
if (!glyph) throw new Error('assets/src/glyph.svg has no <g id="glyph">')

export const STATES = ['idle', 'busy', 'attention', 'error', 'paused']
const BADGE = { cx: 24.5, cy: 24.5, r: 7.5, gap: 9.5 }
// Marks cut out of the badge: the shape tells the state even without its colour.
const MARKS = {
  idle: '',
  busy: '<path d="M24.5 20.2v7.0M21.4 24.3l3.1 3.1 3.1-3.1" stroke="#000" stroke-width="2.1" stroke-linecap="round" stroke-linejoin="round" fill="none"/>',
  attention: '',
  error: '<path d="M24.5 20.2v4.7" stroke="#000" stroke-width="2.3" stroke-linecap="round"/><circle cx="24.5" cy="28.2" r="1.3" fill="#000"/>',
  paused: '<rect x="21.3" y="20.6" width="2.3" height="7.8" rx="0.6" fill="#000"/><rect x="25.4" y="20.6" width="2.3" height="7.8" rx="0.6" fill="#000"/>',
}
const VARIANTS = {
  template: { glyph: '#000000', badge: { busy: '#000000', attention: '#000000', error: '#000000', paused: '#000000' } },
  white: { glyph: '#FFFFFF', badge: { busy: '#3D9BFF', attention: '#FFB020', error: '#FF4D4F', paused: '#C8C8C8' } },
  black: { glyph: '#1B1B1B', badge: { busy: '#1565C0', attention: '#E08600', error: '#D32F2F', paused: '#6B6B6B' } },
}

function traySvg(state, variant) {
  const v = VARIANTS[variant]
  const badged = state !== 'idle'
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">
  <defs>
    <mask id="room" maskUnits="userSpaceOnUse" x="0" y="0" width="32" height="32">
      <rect width="32" height="32" fill="#fff"/>${badged ? `<circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.gap}" fill="#000"/>` : ''}
    </mask>
    <mask id="mark" maskUnits="userSpaceOnUse" x="0" y="0" width="32" height="32">
      <rect width="32" height="32" fill="#fff"/>${MARKS[state]}
    </mask>
  </defs>
  <g mask="url(#room)" style="color:${v.glyph}" fill="none" stroke="currentColor" stroke-linecap="round" stroke-linejoin="round">${glyph}</g>
  ${badged ? `<circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.r}" fill="${v.badge[state]}" mask="url(#mark)"/>` : ''}
</svg>`
}

// ---- Rasterising (Chromium) ------------------------------------------------------------------

const chromiumFlag = process.argv.indexOf('--chromium')
const browser = await chromium.launch(chromiumFlag > 0 ? { executablePath: process.argv[chromiumFlag + 1] } : {})
const page = await browser.newPage()
await page.setContent('<!doctype html><canvas id="c"></canvas>')

/** RGBA pixels (straight alpha) of `svg` drawn at size × size. */
async function rasterise(svg, size) {
  const b64 = await page.evaluate(async ({ svg, size }) => {
    const img = new Image()
    img.src = `data:image/svg+xml;base64,${btoa(svg)}`
    await img.decode()
    const canvas = document.getElementById('c')
    canvas.width = size
    canvas.height = size
    const ctx = canvas.getContext('2d')
    ctx.clearRect(0, 0, size, size)
    ctx.drawImage(img, 0, 0, size, size)
    const data = ctx.getImageData(0, 0, size, size).data
    let s = ''
    for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000))
    return btoa(s)
  }, { svg, size })
  return Buffer.from(b64, 'base64')
}

// ---- PNG, ICO, ICNS writers ------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
/** PNG, 8-bit RGBA, filter 0 on every row (PNG spec, ISO/IEC 15948). */
function encodePng(rgba, size) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  const rows = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
/** A 32-bit DIB for an ICO entry: BITMAPINFOHEADER, BGRA rows bottom-up, then the AND mask. */
function encodeDib(rgba, size) {
  const header = Buffer.alloc(40)
  const maskStride = Math.ceil(size / 32) * 4
  header.writeUInt32LE(40, 0)
  header.writeInt32LE(size, 4)
  header.writeInt32LE(size * 2, 8) // XOR image + AND mask
  header.writeUInt16LE(1, 12)
  header.writeUInt16LE(32, 14)
  header.writeUInt32LE(size * size * 4 + maskStride * size, 20)
  const pixels = Buffer.alloc(size * size * 4)
  const mask = Buffer.alloc(maskStride * size)
  for (let y = 0; y < size; y++) {
    const row = size - 1 - y
    for (let x = 0; x < size; x++) {
      const s = (y * size + x) * 4
      const d = (row * size + x) * 4
      pixels[d] = rgba[s + 2]
      pixels[d + 1] = rgba[s + 1]
      pixels[d + 2] = rgba[s]
      pixels[d + 3] = rgba[s + 3]
      if (rgba[s + 3] === 0) mask[row * maskStride + (x >> 3)] |= 0x80 >> (x & 7)
    }
  }
  return Buffer.concat([header, pixels, mask])
}
/** ICO: small sizes as DIBs (every Windows tool reads them), 128/256 as PNG (Vista+). */
function encodeIco(images) {
  const dir = Buffer.alloc(6 + 16 * images.length)
  dir.writeUInt16LE(0, 0)
  dir.writeUInt16LE(1, 2)
  dir.writeUInt16LE(images.length, 4)
  let offset = dir.length
  const bodies = images.map(({ size, rgba }, i) => {
    const body = size >= 128 ? encodePng(rgba, size) : encodeDib(rgba, size)
    const e = 6 + 16 * i
    dir.writeUInt8(size >= 256 ? 0 : size, e)
    dir.writeUInt8(size >= 256 ? 0 : size, e + 1)
    dir.writeUInt16LE(1, e + 4)
    dir.writeUInt16LE(32, e + 6)
    dir.writeUInt32LE(body.length, e + 8)
    dir.writeUInt32LE(offset, e + 12)
    offset += body.length
    return body
  })
  return Buffer.concat([dir, ...bodies])
}
/** ICNS with PNG payloads, the types iconutil writes for a full .iconset. */
const ICNS_TYPES = [['icp4', 16], ['icp5', 32], ['ic11', 32], ['ic12', 64], ['ic07', 128], ['ic13', 256], ['ic08', 256], ['ic14', 512], ['ic09', 512], ['ic10', 1024]]
function encodeIcns(pngBySize) {
  const entries = ICNS_TYPES.map(([type, size]) => {
    const png = pngBySize.get(size)
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(png.length + 8, 4)
    return Buffer.concat([head, png])
  })
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(8 + entries.reduce((n, e) => n + e.length, 0), 4)
  return Buffer.concat([head, ...entries])
}

// ---- Outputs ---------------------------------------------------------------------------------

for (const state of STATES) {
  const template = traySvg(state, 'template')
  writeFileSync(out('tray', `tray-${state}Template.png`), encodePng(await rasterise(template, 16), 16))
  writeFileSync(out('tray', `tray-${state}Template@2x.png`), encodePng(await rasterise(template, 32), 32))
  for (const colour of ['white', 'black']) {
    const svg = traySvg(state, colour)
    const x1 = await rasterise(svg, 16)
    const x2 = await rasterise(svg, 32)
    writeFileSync(out('tray', `tray-${state}-${colour}.png`), encodePng(x1, 16))
    writeFileSync(out('tray', `tray-${state}-${colour}@2x.png`), encodePng(x2, 32))
    writeFileSync(out('tray', 'linux', `tray-${state}-${colour}.png`), encodePng(x2, 32))
  }
}

const appSvg = readFileSync(path.join(here, 'src', 'app-icon.svg'), 'utf8')
const APP_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024]
const appPixels = new Map()
const appPng = new Map()
for (const size of APP_SIZES) {
  const rgba = await rasterise(appSvg, size)
  appPixels.set(size, rgba)
  appPng.set(size, encodePng(rgba, size))
  writeFileSync(out('build', 'icons', `${size}x${size}.png`), appPng.get(size))
}
writeFileSync(out('build', 'icon.png'), appPng.get(1024))
writeFileSync(out('app', 'icon-512.png'), appPng.get(512))
writeFileSync(out('build', 'icon.ico'), encodeIco([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, rgba: appPixels.get(size) }))))
writeFileSync(out('build', 'icon.icns'), encodeIcns(appPng))

await browser.close()
console.log(`icons written under ${here}`)
