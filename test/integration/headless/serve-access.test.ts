/**
 * `cradle serve` and `cradle open` in-process (runCli with captured stdio), as a user starts them:
 * the access token is required on the loopback too, a token the user gives is the one used (from
 * the environment or a file, never argv, never a weak one), and `cradle open` finds the running
 * serve of a data folder through a file only its owner can read.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { runCli } from '../../../src/main/headless/cli/main.js'
import { runCliInProcess } from '../../helpers/cli.js'
import { OPEN_FILE, SERVER_FILE } from '../../../src/main/headless/server-file.js'
import { postCommand, TEST_TOKEN } from '../http/http-helpers.js'

interface Running {
  ready: { url: string; accessUrl: string }
  port: number
  /** What serve wrote on stderr so far. */
  stderr(): string
  stop(): Promise<number>
}

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-serve-access-'))
  dirs.push(dir)
  return dir
}

/** Runs a command to completion. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(args, { env })
}

/** Starts `cradle serve --port 0` on `dir` and resolves at its ready line (no usbmuxd needed for the API). */
async function serve(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let err = ''
  stderr.on('data', (d: Buffer) => (err += d.toString()))
  const stop = new AbortController()
  const fullEnv = { USBMUXD_SOCKET_ADDRESS: `UNIX:${path.join(dir, 'no-usbmuxd.sock')}`, ...env }
  const exit = runCli(['--data', path.join(dir, 'data'), '--library', path.join(dir, 'library'), 'serve', '--port', '0', ...args], { stdout, stderr, stdin: Readable.from([]), env: fullEnv }, stop.signal)
  const ready = await new Promise<Running['ready']>((resolve, reject) => {
    let buffer = ''
    stdout.on('data', (d: Buffer) => {
      buffer += d.toString()
      const line = buffer.split('\n').find((l) => l.includes('"event":"ready"'))
      if (line) resolve(JSON.parse(line) as Running['ready'])
    })
    void exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)))
  })
  return {
    ready,
    port: Number(new URL(ready.url).port),
    stderr: () => err,
    stop: () => {
      stop.abort()
      return exit
    },
  }
}

const tokenOf = (accessUrl: string): string => decodeURIComponent(new URL(accessUrl).hash.slice('#token='.length))

describe('cradle serve: the access token', () => {
  it('requires the token on the loopback and prints the link that carries it', async () => {
    const dir = tempDir()
    const running = await serve(dir)
    try {
      expect(running.ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      const token = tokenOf(running.ready.accessUrl)
      expect(token.length).toBeGreaterThanOrEqual(22)
      expect((await postCommand(running.port, 'updateSettings', { inboxPath: dir })).status).toBe(401)
      expect((await postCommand(running.port, 'getState', {}, { Authorization: `Bearer ${token}` })).status).toBe(200)
    } finally {
      expect(await running.stop()).toBe(0)
    }
  })

  it('uses the token given in CRADLE_TOKEN, on the loopback too', async () => {
    const dir = tempDir()
    const running = await serve(dir, [], { CRADLE_TOKEN: TEST_TOKEN })
    try {
      expect(running.ready.accessUrl).toBe(`${running.ready.url}#token=${TEST_TOKEN}`)
      expect((await postCommand(running.port, 'getState', {}, { Authorization: `Bearer ${TEST_TOKEN}` })).status).toBe(200)
      expect((await postCommand(running.port, 'getState', {})).status).toBe(401)
    } finally {
      await running.stop()
    }
  })

  it('reads the token from --token-file (its first line)', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'token')
    fs.writeFileSync(file, `${TEST_TOKEN}\n`, { mode: 0o600 })
    const running = await serve(dir, ['--token-file', file])
    try {
      expect(tokenOf(running.ready.accessUrl)).toBe(TEST_TOKEN)
      expect((await postCommand(running.port, 'getState', {}, { Authorization: `Bearer ${TEST_TOKEN}` })).status).toBe(200)
    } finally {
      await running.stop()
    }
  })

  it('refuses --token (argv is visible to every user) and tokens under 128 bits, saying why', async () => {
    const dir = tempDir()
    const data = ['--data', path.join(dir, 'data'), '--library', path.join(dir, 'library')]
    for (const args of [['--token', TEST_TOKEN], [`--token=${TEST_TOKEN}`]]) {
      const argv = await cli([...data, 'serve', '--port', '0', ...args])
      expect(argv.code).toBe(2)
      expect(argv.stderr).toContain('--token is not accepted: a token on the command line is visible to every user of this computer (ps)')
      expect(argv.stderr).toContain('--token-file')
    }
    const weak = await cli([...data, 'serve', '--port', '0'], { CRADLE_TOKEN: 'hunter2hunter2' })
    expect(weak.code).toBe(2)
    expect(weak.stderr).toContain('CRADLE_TOKEN is too weak')
    expect(weak.stderr).not.toContain('hunter2') // the secret is never echoed
    const file = path.join(dir, 'weak-token')
    fs.writeFileSync(file, 'abcdef0123456789abcdef\n') // 22 hex digits: 88 bits
    const fromFile = await cli([...data, 'serve', '--port', '0', '--token-file', file])
    expect(fromFile.code).toBe(2)
    expect(fromFile.stderr).toContain(`the token in ${file} is too weak (at most 88 bits`)
  })
})

describe('cradle serve behind a reverse proxy', () => {
  it('answers to a name given with --allow-host (Host and Origin as the proxy passes them), refuses others in words', async () => {
    const dir = tempDir()
    const running = await serve(dir, ['--allow-host', 'Photos.Example.com'], { CRADLE_TOKEN: TEST_TOKEN })
    try {
      const auth = { Authorization: `Bearer ${TEST_TOKEN}` }
      const proxied = { ...auth, Host: 'photos.example.com', Origin: 'https://photos.example.com', 'Sec-Fetch-Site': 'same-origin' }
      expect((await postCommand(running.port, 'getState', {}, proxied)).status).toBe(200)
      const other = await postCommand(running.port, 'getState', {}, { ...auth, Host: 'evil.example.net' })
      expect(other.status).toBe(421)
      expect(JSON.parse(other.body)).toMatchObject({ ok: false, error: { message: 'This Cradle does not answer to that address' } })
      const foreign = await postCommand(running.port, 'getState', {}, { ...proxied, Origin: 'https://evil.example.net' })
      expect(foreign.status).toBe(403)
      expect(JSON.parse(foreign.body)).toMatchObject({ error: { message: 'A request from another site was refused' } })
    } finally {
      expect(await running.stop()).toBe(0)
    }
    const bad = await cli(['--data', path.join(dir, 'data'), 'serve', '--allow-host', 'https://photos.example.com/'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--allow-host needs a host name like photos.example.com')
  })
})

describe('cradle serve under systemd (output to the journal)', () => {
  it('keeps the token out of the journal, and cradle open still finds the link', async () => {
    const dir = tempDir()
    const running = await serve(dir, [], { CRADLE_TOKEN: TEST_TOKEN, JOURNAL_STREAM: '8:12345' })
    try {
      expect(running.ready).toEqual({ event: 'ready', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/) })
      expect(running.stderr()).toContain(`open its window with: cradle open --data ${path.join(dir, 'data')}`)
      expect(running.stderr()).not.toContain(TEST_TOKEN)
      const printed = await cli(['--data', path.join(dir, 'data'), 'open', '--print'])
      expect(printed).toMatchObject({ code: 0, stdout: `${running.ready.url}#token=${TEST_TOKEN}\n` })
    } finally {
      expect(await running.stop()).toBe(0)
    }
  })
})

describe('cradle open', () => {
  it('opens the running serve\'s window with its token, through files only the owner can read', async () => {
    const dir = tempDir()
    const data = path.join(dir, 'data')
    const running = await serve(dir)
    try {
      const serverFile = path.join(data, SERVER_FILE)
      expect(fs.statSync(serverFile).mode & 0o777).toBe(0o600)

      const printed = await cli(['--data', data, 'open', '--print'])
      expect(printed).toMatchObject({ code: 0, stdout: `${running.ready.accessUrl}\n` })

      // The browser gets a forwarding page, never the link in its argv.
      const browser = path.join(dir, 'browser.sh')
      const argvLog = path.join(dir, 'browser-argv')
      fs.writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${argvLog}'\n`, { mode: 0o700 })
      const opened = await cli(['--data', data, 'open'], { BROWSER: browser })
      expect(opened.code).toBe(0)
      const page = path.join(data, OPEN_FILE)
      expect(fs.statSync(page).mode & 0o777).toBe(0o600)
      expect(fs.readFileSync(page, 'utf8')).toContain(`<meta http-equiv="refresh" content="0;url=${running.ready.accessUrl}">`)
      await expect.poll(() => fs.existsSync(argvLog) && fs.readFileSync(argvLog, 'utf8')).toBe(page)
    } finally {
      await running.stop()
    }
    // Gone with the server: nothing left that carries the token, and open says none runs.
    expect(fs.existsSync(path.join(data, SERVER_FILE))).toBe(false)
    expect(fs.existsSync(path.join(data, OPEN_FILE))).toBe(false)
    const none = await cli(['--data', data, 'open', '--print'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain(`no cradle serve is running on the data folder ${data}`)
  })
})
