/**
 * `cradle notify …` in-process (runCli with captured stdio) against a real local HTTP server and
 * our own strict SMTP sink, plus one real child process for --secret-stdin: the test notice
 * arrives, the settings land in settings.json, the password only in the 0600 secrets file.
 */
import fs from 'node:fs'
import http from 'node:http'
import type net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { runCliInProcess, runCliProcess } from '../../helpers/cli.js'
import { startSmtpSink, type SmtpSink } from '../../fakes/smtp-sink.js'

const PASSWORD = 'cli-smtp-secret-91'

function cli(args: string[], dataDir: string, opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(['--data', dataDir, '--library', path.join(dataDir, 'lib'), ...args], opts)
}

let data: string
let smtp: SmtpSink | undefined
let web: http.Server | undefined
const posts: Array<{ headers: http.IncomingHttpHeaders; body: string }> = []

beforeEach(() => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-cli-notify-'))
  posts.length = 0
})
afterEach(async () => {
  await smtp?.close()
  smtp = undefined
  web?.closeAllConnections()
  await new Promise<void>((r) => (web ? web.close(() => r()) : r()))
  web = undefined
  fs.rmSync(data, { recursive: true, force: true })
})

async function httpSink(status = 200): Promise<string> {
  web = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      posts.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(status).end()
    })
  })
  await new Promise<void>((r) => web!.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(web.address() as net.AddressInfo).port}/alerts`
}

const settingsOf = (): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(data, 'settings.json'), 'utf8')) as Record<string, unknown>
const secretsText = (): string => fs.readFileSync(path.join(data, 'secrets.json'), 'utf8')

describe('cradle notify', () => {
  it('set-url sends a test notice, saves the URL and keeps a token in the secrets file only', async () => {
    const url = await httpSink()
    const r = await cli(['notify', 'set-url', url, '--secret-env', 'NTFY_TOKEN'], data, { env: { NTFY_TOKEN: 'tk_abc123' } })
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining('test notice sent') })
    expect(posts).toHaveLength(1)
    expect(posts[0]!.headers).toMatchObject({ title: 'Cradle test notification', tags: 'cradle,test', authorization: 'Bearer tk_abc123' })
    expect(settingsOf().notifyUrl).toBe(url)
    expect(JSON.stringify(settingsOf())).not.toContain('tk_abc123')
    expect(secretsText()).toContain('tk_abc123')
    expect(fs.statSync(path.join(data, 'secrets.json')).mode & 0o077).toBe(0)
    expect((await cli(['notify', 'show'], data)).stdout).toBe(`URL: POST ${url}\n`)
  })

  it('does not save a URL whose test fails, unless --no-test', async () => {
    const url = await httpSink(500)
    const r = await cli(['notify', 'set-url', url], data)
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/refused the notification \(500[\s\S]*not saved/) })
    expect(fs.existsSync(path.join(data, 'settings.json'))).toBe(false)
    expect((await cli(['notify', 'set-url', url, '--no-test'], data)).code).toBe(0)
    expect(settingsOf().notifyUrl).toBe(url)
  })

  it('set-email with the password from stdin (a real child process): mail arrives, password only in secrets.json; test and off', async () => {
    smtp = await startSmtpSink({ auth: { username: 'cradle', password: PASSWORD } })
    const args = ['--data', data, 'notify', 'set-email', '--host', '127.0.0.1', '--port', String(smtp.port), '--security', 'none', '--from', 'cradle@home.example', '--to', 'me@example.org', '--username', 'cradle', '--secret-stdin']
    const r = await runCliProcess(args, { input: `${PASSWORD}\n` })
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining(`e-mail 127.0.0.1:${smtp.port}: test notice sent`) })
    expect(smtp.messages).toHaveLength(1)
    expect(smtp.messages[0]).toMatchObject({ user: 'cradle', to: ['me@example.org'] })
    expect(smtp.messages[0]!.data).toContain('\r\nSubject: Cradle test notification\r\n')
    expect(smtp.violations).toEqual([])
    expect(settingsOf().notifyEmail).toEqual({ smtpHost: '127.0.0.1', smtpPort: smtp.port, secure: 'none', from: 'cradle@home.example', to: 'me@example.org', username: 'cradle' })
    expect(fs.readFileSync(path.join(data, 'settings.json'), 'utf8')).not.toContain(PASSWORD)
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
    expect(secretsText()).toContain(PASSWORD)

    expect(await cli(['notify', 'test'], data)).toMatchObject({ code: 0 })
    expect(smtp.messages).toHaveLength(2)

    expect(await cli(['notify', 'off', 'email'], data)).toMatchObject({ code: 0, stdout: 'Notices go to the log only.\n' })
    expect(settingsOf().notifyEmail).toBeNull()
    expect(secretsText()).not.toContain(PASSWORD)
  })

  it('reports a refused recipient and exits 1', async () => {
    smtp = await startSmtpSink({ rcptReply: '550 5.1.1 no such user' })
    const r = await cli(['notify', 'set-email', '--host', '127.0.0.1', '--port', String(smtp.port), '--security', 'none', '--from', 'cradle@home.example', '--to', 'nobody@example.org'], data)
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining('refused the recipient nobody@example.org: 550 5.1.1 no such user') })
    expect(fs.existsSync(path.join(data, 'settings.json'))).toBe(false)
  })

  it('refuses a password on the command line, bad addresses and a username without a password', async () => {
    expect(await cli(['notify', 'set-email', '--host', 'h', '--from', 'a@b.example', '--to', 'c@d.example', '--username', 'u', '--password', 'x'], data)).toMatchObject({ code: 2, stderr: expect.stringContaining('--password is not accepted') })
    expect(await cli(['notify', 'set-email', '--host', 'h', '--from', 'a@b.example', '--to', 'c@d.example', '--username', 'u'], data)).toMatchObject({ code: 2, stderr: expect.stringContaining('--username needs the password') })
    expect(await cli(['notify', 'set-email', '--host', 'h', '--from', 'not-an-address', '--to', 'c@d.example', '--no-test'], data)).toMatchObject({ code: 2, stderr: expect.stringContaining('from must be one e-mail address') })
    expect(await cli(['notify', 'set-url', 'https://user:pw@ntfy.example/t', '--no-test'], data)).toMatchObject({ code: 2, stderr: expect.stringContaining('must not contain a user name or password') })
    expect(fs.existsSync(path.join(data, 'settings.json'))).toBe(false)
  })
})
