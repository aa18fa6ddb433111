/**
 * The window's files from a busy server (issue 16): `cradle serve`'s event loop, while the engine
 * imports, runs catalog work between requests. Here a child process serves dist/renderer with
 * src/main/headless/http/static-files.ts while a synthetic task holds its loop for --block ms out of
 * every --block + 1 ms; this process (its own loop) fetches index.html, the bundle and the CSS over
 * one keep-alive connection, gzip accepted as a browser does, --runs times.
 * Run: npm run build && npx tsx bench/static-busy.bench.ts [--block 200] [--runs 15] [--other <checkout>]
 * (--other: a second checkout, built, measured interleaved with this one, e.g. the commit before).
 */
import { fork } from 'node:child_process'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { serveStatic as ServeStatic } from '../src/main/headless/http/static-files.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}

async function serveBusy(checkout: string, block: number): Promise<void> {
  const { serveStatic } = (await import(path.join(checkout, 'src/main/headless/http/static-files.ts'))) as { serveStatic: typeof ServeStatic }
  const root = path.join(checkout, 'dist/renderer')
  const server = http.createServer((req, res) => void serveStatic(req, res, root, new URL(req.url ?? '/', 'http://x').pathname))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const spin = (): void => {
    const end = performance.now() + block
    while (performance.now() < end);
    setTimeout(spin, 1)
  }
  spin()
  process.send!({ port: (server.address() as { port: number }).port })
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
function get(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent, headers: { 'Accept-Encoding': 'gzip, deflate, br' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    }).on('error', reject)
  })
}

async function measure(checkout: string, block: number, runs: number): Promise<number[]> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', checkout, '--block', String(block)], { execArgv: ['--import', 'tsx'] })
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)))
  try {
    // Asset names from an uncompressed index.html.
    const html = await new Promise<string>((resolve) => http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let s = ''
      res.on('data', (d: Buffer) => (s += d.toString()))
      res.on('end', () => resolve(s))
    }))
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+\.(?:js|css))"/g)].map((m) => `/${m[1]}`)
    const times: number[] = []
    for (let i = 0; i <= runs; i++) {
      const t = performance.now()
      await get(port, '/')
      for (const a of assets) await get(port, a)
      if (i > 0) times.push(performance.now() - t) // the first run reads the files (kept from then on)
    }
    return times.sort((a, b) => a - b)
  } finally {
    child.kill()
  }
}

async function main(): Promise<void> {
  const block = Number(option('block') ?? 200)
  const runs = Number(option('runs') ?? 15)
  const checkouts = [ROOT, ...(option('other') ? [path.resolve(option('other')!)] : [])]
  console.log(`Static files from a loop busy ${block} ms of every ${block + 1} ms; index.html + assets, ${runs} fetches each; load avg ${os.loadavg()[0]!.toFixed(1)}`)
  for (let round = 0; round < 2; round++) {
    for (const checkout of checkouts) {
      const t = await measure(checkout, block, runs)
      console.log(`  ${checkout.padEnd(30)} median ${t[Math.floor(t.length / 2)]!.toFixed(0).padStart(5)} ms  min ${t[0]!.toFixed(0).padStart(5)} ms  max ${t.at(-1)!.toFixed(0).padStart(5)} ms`)
    }
  }
  console.log(`load avg ${os.loadavg()[0]!.toFixed(1)}`)
}

if (process.argv.includes('--serve')) void serveBusy(option('serve')!, Number(option('block') ?? 200))
else main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
