/**
 * `cradle notify show|set-url|set-email|test|off`: where headless Cradle sends its notices (a
 * backup finished, a phone needs attention) besides the log. The settings go to settings.json in
 * --data; the SMTP password and a push token only to the secrets file, from --secret-env or
 * --secret-stdin as with `cradle destination`, never from argv.
 */
import os from 'node:os'
import { CradleError } from '../../../../shared/errors.js'
import { defaultSettings, validateSettingsPatch, type NotifyEmail, type Settings, type SmtpSecurity } from '../../../../shared/settings.js'
import { loadSettings, saveSettings } from '../../../library/settings-store.js'
import { NOTIFY_SECRETS, noticeChannels } from '../../../notifications/notice-channels.js'
import type { Notice } from '../../../notifications/url-push.js'
import { openHeadlessSecrets, type FileSecretStore } from '../../headless-secrets.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { numberOption } from '../numbers.js'
import { SECRET_OPTIONS, parseCommandArgs as parse, secretFromOptions, type SecretInput } from '../secret-input.js'

const USAGE = `Usage: cradle notify <action> …

  show [--json]                  where notices go now
  set-url URL                    POST each notice to URL, ntfy-style (e.g. https://ntfy.sh/<topic>)
          [--secret-env VAR | --secret-stdin]   access token (sent as "Authorization: Bearer …")
  set-email --host H --from ADDRESS --to ADDRESS
          [--port P] [--security starttls|tls|none] [--username U]
          [--secret-env VAR | --secret-stdin]   SMTP password (needed with --username)
  test                           send a test notice to every configured channel
  off [url|email]                stop sending there (both when neither is named)

Security: starttls (default, port 587) upgrades the connection and refuses a server that cannot;
tls (port 465) is encrypted from the start; none (port 25) is plain, and sends a password only
to this computer (localhost).
Secrets: --secret-env VAR reads the variable now and keeps the value in the secrets file in
--data (0600); add --keep-secret-in-env to keep only the variable's name (systemd credentials).
Setting a channel sends a test notice first; --no-test skips that.

The same notices as the desktop app's, by the same rules (one per subject per cooldown).
Change this while "cradle serve" is stopped (it holds the data folder).`

const DEFAULT_PORT: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 }

interface Opened {
  settings: Settings
  secrets: FileSecretStore
}

async function open(ctx: CliContext): Promise<Opened> {
  const loaded = loadSettings(ctx.dataDir, defaultSettings(ctx.libraryDir))
  if (loaded.problem) ctx.stderr.write(`cradle notify: ${loaded.problem.message}\n`)
  const settings = ctx.libraryDirExplicit ? { ...loaded.settings, libraryPath: ctx.libraryDir } : loaded.settings
  return { settings, secrets: await openHeadlessSecrets(ctx) }
}

function testNotice(): Notice {
  return { title: 'Cradle test notification', body: `Notices from Cradle on ${os.hostname()} reach you here.`, tag: 'test' }
}

/** Sends the test notice to each channel; prints one line per channel; true when all arrived. */
async function sendTest(settings: Pick<Settings, 'notifyUrl' | 'notifyEmail'>, secrets: FileSecretStore, ctx: CliContext): Promise<boolean> {
  let ok = true
  for (const channel of noticeChannels(settings, secrets)) {
    try {
      await channel.send(testNotice())
      ctx.stdout.write(`${channel.name}: test notice sent\n`)
    } catch (error) {
      ok = false
      ctx.stderr.write(`${channel.name}: ${error instanceof Error ? error.message : String(error)}\n`)
    }
  }
  return ok
}

async function storeSecret(secrets: FileSecretStore, key: string, secret: SecretInput | undefined): Promise<void> {
  if (!secret) return secrets.delete(key)
  if (secret.keepInEnv) return secrets.setFromEnv(key, secret.keepInEnv)
  return secrets.set(key, secret.value)
}

/**
 * Tests the new channel (unless --no-test) with the secret in memory only, then stores settings
 * and secret: a typo never replaces a working configuration.
 */
async function apply(ctx: CliContext, o: Opened, patch: Partial<Pick<Settings, 'notifyUrl' | 'notifyEmail'>>, secretKey: string, secret: SecretInput | undefined, test: boolean): Promise<number> {
  const checked = validateSettingsPatch(patch)
  if (!checked.ok) throw new UsageError(`${checked.key} ${checked.message}`)
  const next = { ...o.settings, ...checked.value }
  if (test) {
    const only = { notifyUrl: patch.notifyUrl ?? null, notifyEmail: patch.notifyEmail ?? null }
    const memory: FileSecretStore = {
      ...o.secrets,
      get: async (key) => (key === secretKey ? secret?.value : o.secrets.get(key)),
    }
    if (!(await sendTest(only, memory, ctx))) {
      ctx.stderr.write('cradle notify: not saved (the test notice did not arrive; --no-test saves anyway)\n')
      return 1
    }
  }
  await storeSecret(o.secrets, secretKey, secret)
  saveSettings(ctx.dataDir, next)
  ctx.stdout.write('Saved. "cradle serve" sends its notices there from its next start.\n')
  return 0
}

async function setUrl(args: string[], ctx: CliContext): Promise<number> {
  const { values: v, positionals } = parse(args, { ...SECRET_OPTIONS, 'no-test': { type: 'boolean' } })
  if (positionals.length !== 1) throw new UsageError('set-url needs one URL')
  const secret = await secretFromOptions(v, ctx)
  return apply(ctx, await open(ctx), { notifyUrl: positionals[0]! }, NOTIFY_SECRETS.urlToken, secret, !v['no-test'])
}

async function setEmail(args: string[], ctx: CliContext): Promise<number> {
  const { values: v, positionals } = parse(args, {
    host: { type: 'string' }, port: { type: 'string' }, security: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    username: { type: 'string' }, ...SECRET_OPTIONS, 'no-test': { type: 'boolean' },
  })
  if (positionals.length) throw new UsageError('set-email takes options only')
  const need = (flag: string): string => {
    const value = v[flag]
    if (typeof value !== 'string' || value === '') throw new UsageError(`set-email needs --${flag}`)
    return value
  }
  const security = (typeof v.security === 'string' ? v.security : 'starttls') as SmtpSecurity
  if (!Object.hasOwn(DEFAULT_PORT, security)) throw new UsageError('--security is starttls, tls or none')
  const username = typeof v.username === 'string' ? v.username : undefined
  const secret = await secretFromOptions(v, ctx)
  if (username !== undefined && !secret) throw new UsageError('--username needs the password: --secret-env VAR or --secret-stdin')
  if (username === undefined && secret) throw new UsageError('a password without --username would never be used')
  const email: NotifyEmail = {
    smtpHost: need('host'),
    smtpPort: numberOption(typeof v.port === 'string' ? v.port : undefined, '--port', { int: true, max: 65535 }) ?? DEFAULT_PORT[security],
    secure: security, from: need('from'), to: need('to'),
    ...(username !== undefined ? { username } : {}),
  }
  return apply(ctx, await open(ctx), { notifyEmail: email }, NOTIFY_SECRETS.smtpPassword, secret, !v['no-test'])
}

function describe(settings: Settings): string[] {
  const lines: string[] = []
  if (settings.notifyUrl) lines.push(`URL: POST ${settings.notifyUrl}`)
  const e = settings.notifyEmail
  if (e) lines.push(`E-mail: to ${e.to} from ${e.from} via ${e.smtpHost}:${e.smtpPort} (${e.secure}${e.username ? `, signed in as ${e.username}` : ''})`)
  return lines
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const [action, ...rest] = args
  switch (action) {
    case 'show': {
      const { values: v, positionals } = parse(rest, { json: { type: 'boolean' } })
      if (positionals.length) throw new UsageError('show takes no arguments')
      const { settings } = await open(ctx)
      if (v.json) ctx.stdout.write(`${JSON.stringify({ notifyUrl: settings.notifyUrl, notifyEmail: settings.notifyEmail })}\n`)
      else {
        const lines = describe(settings)
        ctx.stdout.write(`${lines.length ? lines.join('\n') : 'Notices go to the log only. Add a channel with "cradle notify set-url" or "set-email".'}\n`)
      }
      return 0
    }
    case 'set-url':
      return setUrl(rest, ctx)
    case 'set-email':
      return setEmail(rest, ctx)
    case 'test': {
      const { positionals } = parse(rest, {})
      if (positionals.length) throw new UsageError('test takes no arguments')
      const o = await open(ctx)
      if (!o.settings.notifyUrl && !o.settings.notifyEmail) throw new CradleError('not-found', 'no notification channel is set: use "cradle notify set-url" or "set-email" first')
      return (await sendTest(o.settings, o.secrets, ctx)) ? 0 : 1
    }
    case 'off': {
      const { positionals } = parse(rest, {})
      const which = positionals[0]
      if (positionals.length > 1 || (which !== undefined && which !== 'url' && which !== 'email')) throw new UsageError('off takes url, email or nothing (both)')
      const o = await open(ctx)
      const next = { ...o.settings }
      if (which !== 'email') {
        next.notifyUrl = null
        await o.secrets.delete(NOTIFY_SECRETS.urlToken)
      }
      if (which !== 'url') {
        next.notifyEmail = null
        await o.secrets.delete(NOTIFY_SECRETS.smtpPassword)
      }
      saveSettings(ctx.dataDir, next)
      ctx.stdout.write(`${describe(next).join('\n') || 'Notices go to the log only.'}\n`)
      return 0
    }
    default:
      throw new UsageError(action ? `unknown action "${action}"` : 'an action is needed: show, set-url, set-email, test or off')
  }
}

export const notifyCommand: CliCommand = {
  name: 'notify',
  usage: USAGE,
  dataFolder: 'exclusive',
  run,
}
