/**
 * Headless notices end to end: the headless engine (as `cradle serve` starts it) backs up the
 * virtual iPhone and the "Backup finished" notice reaches a real local HTTP server (ntfy-style
 * POST) and our own strict SMTP sink (STARTTLS + AUTH) exactly once; sinks that refuse (nobody
 * listening, SMTP 550) are logged and retried and the engine carries on; the SMTP password is
 * in no settings file and no log line.
 */
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator } from '../../../src/sim/index.js'
import type { CliContext } from '../../../src/main/headless/cli/command.js'
import { startHeadlessEngine } from '../../../src/main/headless/headless-engine.js'
import { fileSecretStore } from '../../../src/main/headless/headless-secrets.js'
import { saveSettings } from '../../../src/main/library/settings-store.js'
import { configureLogging, type LogRecord } from '../../../src/main/logging/logger.js'
import { NOTIFY_SECRETS } from '../../../src/main/notifications/notice-channels.js'
import { defaultSettings, type Settings } from '../../../src/shared/settings.js'
import { formatPhotos } from '../../../src/shared/format.js'
import { engineTestRig, ON_CHARGER, tempDirs, waitForState, type TempDirs } from '../../helpers/engine.js'
import { selfSignedCert, startSmtpSink, type SmtpSink } from '../../fakes/smtp-sink.js'

const PASSWORD = 'smtp-pässword-7f3a'
const rig = engineTestRig()
const logs: LogRecord[] = []
let cert: { key: string; cert: string }
let smtp: SmtpSink | undefined
let web: http.Server | undefined

beforeAll(() => {
  cert = selfSignedCert()
})
configureLogging({ level: 'info', sink: (r) => void logs.push(r) })
afterEach(async () => {
  logs.length = 0
  await smtp?.close()
  smtp = undefined
  web?.closeAllConnections()
  await new Promise<void>((r) => (web ? web.close(() => r()) : r()))
  web = undefined
})

interface Posted {
  headers: http.IncomingHttpHeaders
  body: string
}

async function httpSink(status: number): Promise<{ url: string; posts: Posted[]; next: Promise<Posted>; post(n: number): Promise<Posted> }> {
  const posts: Posted[] = []
  const arrived = new EventEmitter()
  web = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      posts.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(status).end()
      arrived.emit('post')
    })
  })
  await new Promise<void>((r) => web!.listen(0, '127.0.0.1', r))
  /** The n-th POST (1-based), now or when it arrives. */
  const post = (n: number): Promise<Posted> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (posts.length < n) return
        arrived.off('post', check)
        resolve(posts[n - 1]!)
      }
      arrived.on('post', check)
      check()
    })
  return { url: `http://127.0.0.1:${(web.address() as net.AddressInfo).port}/cradle-alerts`, posts, next: post(1), post }
}

async function freePort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

function ctxFor(dirs: TempDirs, muxAddress: string): CliContext {
  return {
    stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(),
    env: { USBMUXD_SOCKET_ADDRESS: muxAddress },
    dataDir: dirs.dataDir, dataDirExplicit: true, libraryDir: dirs.libraryDir, libraryDirExplicit: true,
    stopSignal: new AbortController().signal,
  }
}

async function setUp(notify: Pick<Settings, 'notifyUrl' | 'notifyEmail'>, retryDelaysMs: number[]) {
  rig.dirs = tempDirs('cradle-notify-')
  saveSettings(rig.dirs.dataDir, { ...defaultSettings(rig.dirs.libraryDir), ...notify })
  const secrets = fileSecretStore(rig.dirs.dataDir, {})
  await secrets.set(NOTIFY_SECRETS.smtpPassword, PASSWORD)
  rig.sim = await startSimulator({ devices: [{ photos: { count: 3, seed: 17 }, battery: ON_CHARGER, attached: false }] })
  rig.engine = await startHeadlessEngine(ctxFor(rig.dirs, rig.sim.address), secrets, {}, { smtpCa: cert.cert, retryDelaysMs })
  const phone = rig.sim.devices[0]!
  phone.attach()
  const entry = await waitForState(rig.engine, (s) => s.history.find((h) => h.kind === 'import' && h.udid === phone.udid && h.imported > 0), 120_000, 'the import in the history')
  return { phone, entry }
}

describe('headless notices', () => {
  it('a finished backup reaches the URL and the mailbox exactly once, by the tray\'s rules and texts', async () => {
    smtp = await startSmtpSink({ tls: cert, requireTls: true, auth: { username: 'cradle', password: PASSWORD } })
    const web = await httpSink(200)
    const { phone, entry } = await setUp({
      notifyUrl: web.url,
      notifyEmail: { smtpHost: '127.0.0.1', smtpPort: smtp.port, secure: 'starttls', from: 'cradle@home.example', to: 'me@example.org', username: 'cradle' },
    }, [1, 1])
    // Counted as the Photos app counts: the roll's Live Photo (still + video) and edit (original,
    // render, .AAE) are one photo or video each, so their 3 extra files are not counted.
    const itemFiles = rig.sim!.roll(phone.udid)!.files.filter((f) => f.item >= 0)
    const extraFiles = itemFiles.length - new Set(itemFiles.map((f) => f.item)).size
    expect(extraFiles).toBe(3)
    expect(entry.photosImported).toBe(entry.imported - extraFiles)
    const body = `${formatPhotos(entry.photosImported)} from ${phone.name} are safe.`

    const post = await web.next
    expect(post.body).toBe(body)
    expect(post.headers).toMatchObject({ title: 'Backup finished', tags: 'cradle,finished', 'content-type': 'text/plain; charset=utf-8' })

    const mail = await smtp.message(1)
    expect(mail).toMatchObject({ from: 'cradle@home.example', to: ['me@example.org'], tls: true, user: 'cradle' })
    expect(mail.data).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000\r\n/)
    expect(mail.data).toContain('\r\nSubject: Backup finished\r\n')
    expect(mail.data).toMatch(/\r\nMessage-ID: <[^>]+@home\.example>\r\n/)
    expect(mail.data.split('\r\n\r\n')[1]).toBe(body)
    expect(smtp.violations).toEqual([])

    // Stopping waits for deliveries under way: after it, the counts are final.
    await rig.engine!.stop()
    rig.engine = undefined
    expect(web.posts).toHaveLength(1)
    expect(smtp.messages).toHaveLength(1)

    const settingsText = fs.readFileSync(path.join(rig.dirs!.dataDir, 'settings.json'), 'utf8')
    expect(settingsText).toContain('"smtpHost": "127.0.0.1"')
    expect(settingsText).not.toContain(PASSWORD)
    expect(JSON.stringify(logs)).not.toContain(PASSWORD)
    expect(JSON.stringify(logs)).not.toContain(Buffer.from(`\0cradle\0${PASSWORD}`).toString('base64'))
    expect(logs.filter((r) => r.message === 'notification delivered').map((r) => r.fields?.channel).sort()).toEqual([`e-mail 127.0.0.1:${smtp.port}`, expect.stringMatching(/^url http:\/\/127\.0\.0\.1:\d+$/)])
  })

  it('sinks that refuse are logged and retried, and the engine carries on', async () => {
    smtp = await startSmtpSink({ rcptReply: '550 5.1.1 <me@example.org>: Recipient address rejected' })
    const port = await freePort()
    const { phone } = await setUp({
      notifyUrl: `http://127.0.0.1:${port}/nobody`,
      notifyEmail: { smtpHost: '127.0.0.1', smtpPort: smtp.port, secure: 'none', from: 'cradle@home.example', to: 'me@example.org' },
    }, [1])

    const gaveUp = (): LogRecord[] => logs.filter((r) => r.message === 'notification not delivered; giving up')
    // Two channels, two attempts each, then an error line per channel.
    await waitForState(rig.engine!, () => gaveUp().length === 2, 60_000, 'both channels to give up')
    expect(gaveUp().map((r) => r.fields?.error).sort()).toEqual([
      expect.stringMatching(/^cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/),
      expect.stringMatching(/refused the recipient me@example\.org: 550 5\.1\.1/),
    ])
    expect(logs.filter((r) => r.message === 'notification not delivered; will retry')).toHaveLength(2)
    expect(smtp.messages).toEqual([])
    // Still serving: the phone's card is there and idle, and the engine answers commands.
    const s = rig.engine!.current()
    expect(s.devices.find((d) => d.udid === phone.udid)?.connected).toBe(true)
    await expect(rig.engine!.handle('getState', undefined)).resolves.toBeDefined()
  })

  it('a phone waiting for Trust is one notice however often the engine asks again; the backup after Trust is the next', async () => {
    const web = await httpSink(200)
    rig.dirs = tempDirs('cradle-notify-')
    saveSettings(rig.dirs.dataDir, { ...defaultSettings(rig.dirs.libraryDir), notifyUrl: web.url })
    rig.sim = await startSimulator({ devices: [{ photos: { count: 2, seed: 23 }, battery: ON_CHARGER, trust: 'prompt' }] })
    const phone = rig.sim.devices[0]!
    rig.engine = await startHeadlessEngine(ctxFor(rig.dirs, rig.sim.address), fileSecretStore(rig.dirs.dataDir, {}), {}, { retryDelaysMs: [1] })

    const asking = await web.post(1)
    expect(asking.headers).toMatchObject({ title: `Waiting for Trust on ${phone.name}`, tags: 'cradle,phone' })
    expect(asking.body).toBe('Tap Trust on your iPhone, then enter its passcode.')
    // The engine keeps asking the phone (Pair again and again) while it waits: still one notice.
    const pairs = (): number => phone.lockdownRequests.get('Pair') ?? 0
    const asked = pairs()
    await expect.poll(pairs, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(asked + 2)
    expect(web.posts).toHaveLength(1)

    phone.acceptTrust()
    const finished = await web.post(2)
    expect(finished.headers).toMatchObject({ title: 'Backup finished', tags: 'cradle,finished' })
    const entry = rig.engine.current().history.find((h) => h.kind === 'import' && h.udid === phone.udid)!
    expect(finished.body).toBe(`${formatPhotos(entry.photosImported)} from ${phone.name} are safe.`)
    await rig.engine.stop()
    rig.engine = undefined
    expect(web.posts).toHaveLength(2)
  })
})
