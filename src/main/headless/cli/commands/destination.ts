/**
 * `cradle destination add|edit|list|remove|test|login`: the upload destinations, from a terminal.
 * Opens the catalog in --data itself. Secrets (password, API key, S3 secret key) come only from
 * `--secret-env VAR` or `--secret-stdin`, never from argv (other users can read a process's
 * arguments); they go to the headless secret store, never to the catalog or the output.
 */
import { KIND_NEEDS_SECRET, DESTINATION_KINDS } from '../../../../shared/destination-config.js'
import { CradleError } from '../../../../shared/errors.js'
import { defaultSettings } from '../../../../shared/settings.js'
import type { DestinationKind, DestinationView } from '../../../../shared/state.js'
import { formatCount, formatPhotos } from '../../../../shared/format.js'
import { uploadsSchema } from '../../../destinations/queue/uploads-schema.js'
import { UploadManager } from '../../../destinations/upload-manager.js'
import { historySchema } from '../../../engine/history.js'
import { Library } from '../../../library/library.js'
import { loadSettings } from '../../../library/settings-store.js'
import { ensurePrivateDir } from '../../../data-folder/private-files.js'
import { openHeadlessSecrets, type FileSecretStore } from '../../headless-secrets.js'
import { rebuiltNotice } from '../rebuilt-notice.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { currentPlatform } from '../platform.js'
import { parseCommandArgs as parse, secretFromOptions, SECRET_OPTIONS } from '../secret-input.js'

const USAGE = `Usage: cradle destination <action> …

  add folder        --name N --path DIR
  add s3            --name N --endpoint URL --bucket B --access-key-id ID
                    [--region R] [--prefix P] [--path-style | --no-path-style]
                    [--checksums-when-required]          (Cloudflare R2, Backblaze B2)
  add webdav        --name N --url URL [--username U]    (Nextcloud too)
  add immich        --name N --url URL                   (secret = API key)
  add google-photos --name N --client-id ID [--live-photo-video]
                    then: cradle destination login N     (secret = OAuth client secret)
                    ID and secret: your own "Desktop app" OAuth client in Google Cloud, with
                    the Photos Library API enabled; see docs/destinations.md, Google Photos.
                    --live-photo-video: also the Live Photo's video, as a separate clip
                    (Google cannot pair them; it costs two more requests per Live Photo)
  edit NAME [--name NEW] [the settings add takes for its kind] [--secret-env VAR | --secret-stdin]
                    changes only what is given (folder: --path; s3: --endpoint, --bucket,
                    --access-key-id, --region, --prefix, --path-style | --no-path-style,
                    --checksums-when-required | --no-checksums-when-required; webdav: --url,
                    --username; immich: --url; google-photos: --client-id, --live-photo-video |
                    --no-live-photo-video). Tested first (--no-test skips that); saving
                    retries the files that failed to go there, as the window's Edit does.
  list [--json]
  remove NAME
  test NAME
  login NAME                                             (Google Photos sign-in)

Secrets (password, API key, S3 secret key, OAuth client secret) are never taken from the command line:
  --secret-env VAR        read it from the environment variable VAR now and keep it in
                          the secrets file in --data (mode 0600)
  --keep-secret-in-env    with --secret-env: keep only the variable's name and read it each
                          time it is needed (systemd credentials, containers)
  --secret-stdin          read it from standard input (one line)
Adding or editing tests the destination first; --no-test skips that.`

interface Opened {
  manager: UploadManager
  secrets: FileSecretStore
  close(): void
}

/**
 * With --keep-secret-in-env the value must never reach the disk, not even for a moment: the
 * manager's store of the secret becomes a store of the variable's name instead.
 */
function keepingInEnv(store: FileSecretStore, keep: { value: string; variable: string }): FileSecretStore {
  return {
    ...store,
    async set(key, value) {
      if (value === keep.value) await store.setFromEnv(key, keep.variable)
      else await store.set(key, value)
    },
  }
}

async function open(ctx: CliContext, keepInEnv?: { value: string; variable: string }): Promise<Opened> {
  const loaded = loadSettings(ctx.dataDir, defaultSettings(ctx.libraryDir))
  const settings = ctx.libraryDirExplicit ? { ...loaded.settings, libraryPath: ctx.libraryDir } : loaded.settings
  ensurePrivateDir(ctx.dataDir)
  const { library, rebuilt } = await Library.openChecked(ctx.dataDir, settings, { extraModules: [uploadsSchema, historySchema] })
  if (rebuilt) ctx.stderr.write(`cradle destination: ${rebuiltNotice(rebuilt)}\n`)
  const fileSecrets = await openHeadlessSecrets(ctx)
  const secrets = keepInEnv ? keepingInEnv(fileSecrets, keepInEnv) : fileSecrets
  const manager = new UploadManager({ db: library.db, libraryRoot: library.root, secrets, platform: currentPlatform() })
  return { manager, secrets, close: () => library.close() }
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined)

type OptionValues = Record<string, string | boolean | undefined>

/**
 * Each kind's settings and the flag that gives each, for both `add` and `edit`: the options they
 * parse, what `add` requires, what `edit` changes, and the flag named in "not saved: --url …".
 * A switch is given as --flag (on) or --no-flag (off).
 */
interface Setting {
  key: string
  flag: string
  type: 'text' | 'switch'
  /** `add` refuses to go on without it. */
  required?: boolean
  /** What `add` stores when the flag is not given. */
  byDefault?: boolean
}

const SETTINGS: { [K in DestinationKind]: readonly Setting[] } = {
  folder: [{ key: 'path', flag: 'path', type: 'text', required: true }],
  s3: [
    { key: 'endpoint', flag: 'endpoint', type: 'text', required: true },
    { key: 'bucket', flag: 'bucket', type: 'text', required: true },
    { key: 'accessKeyId', flag: 'access-key-id', type: 'text', required: true },
    { key: 'region', flag: 'region', type: 'text' },
    { key: 'prefix', flag: 'prefix', type: 'text' },
    { key: 'pathStyle', flag: 'path-style', type: 'switch' },
    { key: 'checksumsWhenRequired', flag: 'checksums-when-required', type: 'switch' },
  ],
  webdav: [
    { key: 'url', flag: 'url', type: 'text', required: true },
    { key: 'username', flag: 'username', type: 'text' },
  ],
  immich: [{ key: 'url', flag: 'url', type: 'text', required: true }],
  'google-photos': [
    { key: 'clientId', flag: 'client-id', type: 'text', required: true },
    // Off unless asked: Google cannot pair a Live Photo's video with its still.
    { key: 'uploadLivePhotoVideo', flag: 'live-photo-video', type: 'switch', byDefault: false },
  ],
}

const ALL_SETTINGS = Object.values(SETTINGS).flat()

/** The flags that give `kind`'s settings, switches with their --no- form. */
const flagsOf = (kind: DestinationKind): string[] => SETTINGS[kind].flatMap((s) => (s.type === 'switch' ? [s.flag, `no-${s.flag}`] : [s.flag]))

/** The value the options give for `setting`, or undefined when they do not mention it. */
function given(setting: Setting, v: OptionValues): string | boolean | undefined {
  if (setting.type === 'text') return str(v[setting.flag])
  return v[setting.flag] ? true : v[`no-${setting.flag}`] ? false : undefined
}

/** The settings the options give, as the destination's config keys. */
function givenSettings(kind: DestinationKind, v: OptionValues): Record<string, unknown> {
  return Object.fromEntries(SETTINGS[kind].flatMap((s): [string, string | boolean][] => {
    const value = given(s, v)
    return value === undefined ? [] : [[s.key, value]]
  }))
}

function configFor(kind: DestinationKind, v: OptionValues): Record<string, unknown> {
  const missing = SETTINGS[kind].find((s) => s.required && !given(s, v))
  if (missing) throw new UsageError(`add ${kind} needs --${missing.flag}`)
  const defaults = Object.fromEntries(SETTINGS[kind].flatMap((s): [string, boolean][] => (s.byDefault === undefined ? [] : [[s.key, s.byDefault]])))
  return { ...defaults, ...givenSettings(kind, v) }
}

type OptionType = { type: 'string' } | { type: 'boolean' }
const SETTING_OPTIONS: Record<string, OptionType> = Object.fromEntries(ALL_SETTINGS.flatMap((s): [string, OptionType][] => (s.type === 'text'
  ? [[s.flag, { type: 'string' }]]
  : [[s.flag, { type: 'boolean' }], [`no-${s.flag}`, { type: 'boolean' }]])))

const COMMAND_OPTIONS = { name: { type: 'string' }, ...SECRET_OPTIONS, 'no-test': { type: 'boolean' }, json: { type: 'boolean' } } as const

async function add(args: string[], ctx: CliContext): Promise<number> {
  const { values: v, positionals } = parse(args, { ...SETTING_OPTIONS, ...COMMAND_OPTIONS })
  const kind = positionals[0] as DestinationKind | undefined
  if (!kind || !DESTINATION_KINDS.includes(kind) || positionals.length > 1) throw new UsageError(`add needs one kind: ${DESTINATION_KINDS.join(', ')}`)
  const name = str(v.name)
  if (!name) throw new UsageError('add needs --name')
  const input = await secretFromOptions(v, ctx)
  const secret = input?.value
  if (KIND_NEEDS_SECRET[kind] && !secret) throw new UsageError(`${kind} needs a secret: --secret-env VAR or --secret-stdin`)
  const draft = { kind, name, config: configFor(kind, v), ...(secret ? { secret } : {}) }
  const o = await open(ctx, input?.keepInEnv ? { value: input.value, variable: input.keepInEnv } : undefined)
  try {
    if (!v['no-test'] && kind !== 'google-photos') {
      const result = await o.manager.test({ draft })
      if (!result.ok) {
        ctx.stderr.write(`cradle destination: not added: ${result.message}\n`)
        return 1
      }
    }
    const view = await o.manager.add(draft)
    if (v.json) ctx.stdout.write(`${JSON.stringify(view)}\n`)
    else {
      ctx.stdout.write(`Added ${view.name} (${view.kind}) → ${view.target}. ${formatPhotos(view.counts.pending)} will go there.\n`)
      if (kind === 'google-photos') ctx.stdout.write(`Next: cradle destination login "${view.name}"\n`)
    }
    return 0
  } finally {
    o.close()
  }
}

/** The flag each setting is given with, for "not saved: --url must be …". */
const FLAG_OF: Record<string, string> = {
  name: '--name', secret: 'the secret', ...Object.fromEntries(ALL_SETTINGS.map((s) => [s.key, `--${s.flag}`])),
}

/**
 * `edit NAME …`: the stored settings with the given ones changed, saved through the engine's
 * update (the same as the window's Edit: the runner restarts, failed files are tried again).
 */
async function edit(args: string[], ctx: CliContext): Promise<number> {
  const { values: v, positionals } = parse(args, { ...SETTING_OPTIONS, ...COMMAND_OPTIONS })
  if (positionals.length !== 1) throw new UsageError('edit needs one destination name')
  const input = await secretFromOptions(v, ctx)
  const o = await open(ctx, input?.keepInEnv ? { value: input.value, variable: input.keepInEnv } : undefined)
  try {
    const record = o.manager.find(positionals[0]!)
    if (!record) {
      ctx.stderr.write(`cradle destination: no destination named "${positionals[0]}" ("cradle destination list" shows them)\n`)
      return 1
    }
    const kind = record.kind
    const flags = flagsOf(kind)
    const others = Object.keys(SETTING_OPTIONS).filter((f) => v[f] !== undefined && !flags.includes(f))
    if (others.length > 0) throw new UsageError(`${others.map((f) => `--${f}`).join(', ')} ${others.length === 1 ? 'is not a setting' : 'are not settings'} of a ${kind} destination; it takes ${flags.map((f) => `--${f}`).join(', ')}`)
    const changes = givenSettings(kind, v)
    const name = str(v.name) ?? record.name
    if (Object.keys(changes).length === 0 && name === record.name && !input) throw new UsageError(`edit ${record.name} needs something to change: --name, ${flags.map((f) => `--${f}`).join(', ')} or a new secret`)
    const draft = { kind, name, config: { ...record.config, ...changes }, ...(input ? { secret: input.value } : {}) }
    try {
      if (!v['no-test'] && kind !== 'google-photos') {
        const result = await o.manager.test({ draft, id: record.id })
        if (!result.ok) {
          ctx.stderr.write(`cradle destination: not saved: ${result.message}\n`)
          return 1
        }
      }
      const view = await o.manager.update(record.id, draft)
      if (v.json) ctx.stdout.write(`${JSON.stringify(view)}\n`)
      else {
        const n = view.counts.pending
        const waiting = n === 0 ? '' : ` ${formatPhotos(n)} ${n === 1 ? 'waits' : 'wait'} to go there.`
        ctx.stdout.write(`Saved ${view.name} (${view.kind}) → ${view.target}.${waiting}\n`)
      }
      return 0
    } catch (error) {
      // A setting the engine refuses (an address that is not one, a name another destination has): which, and why.
      if (!(error instanceof CradleError) || error.code !== 'invalid-input') throw error
      const key = typeof error.context.key === 'string' ? error.context.key : null
      const reason = key && error.message.startsWith(`${key} `) ? error.message.slice(key.length + 1) : error.message
      ctx.stderr.write(`cradle destination: not saved: ${key ? `${FLAG_OF[key] ?? key} ${reason}` : reason}\n`)
      return 1
    }
  } finally {
    o.close()
  }
}

function render(views: DestinationView[]): string {
  if (views.length === 0) return 'No destinations. Add one with "cradle destination add".'
  return views.map((d) => {
    const lines = [`${d.name} (${d.kind}) → ${d.target}`, `  ${formatPhotos(d.counts.done)} uploaded · ${formatCount(d.counts.pending)} waiting · ${formatCount(d.counts.failed)} failed`]
    if (d.problem) lines.push(`  ${d.problem.message}${d.problem.action ? ` — ${d.problem.action}` : ''}`)
    if (d.quota) lines.push(`  ${formatCount(d.quota.used)} of ${formatCount(d.quota.limit)} requests used today`)
    return lines.join('\n')
  }).join('\n')
}

async function withNamed(args: string[], ctx: CliContext, action: string, body: (o: Opened, id: string) => Promise<number>): Promise<number> {
  const { positionals } = parse(args, {})
  if (positionals.length !== 1) throw new UsageError(`${action} needs one destination name`)
  const o = await open(ctx)
  try {
    const record = o.manager.find(positionals[0]!)
    if (!record) throw new CradleError('not-found', `no destination named "${positionals[0]}"`)
    return await body(o, record.id)
  } finally {
    o.close()
  }
}

async function login(o: Opened, id: string, ctx: CliContext): Promise<number> {
  const { url, completion } = await o.manager.signIn(id)
  const port = new URL(new URL(url).searchParams.get('redirect_uri') ?? 'http://127.0.0.1').port
  ctx.stdout.write(`Open this address in a browser and allow Cradle to upload:\n\n  ${url}\n\n`)
  ctx.stdout.write(`If that browser runs on another computer, forward the port first: ssh -L ${port}:127.0.0.1:${port} <this machine>\n`)
  const stopped = new Promise<never>((_, reject) => {
    ctx.stopSignal.addEventListener('abort', () => reject(new CradleError('aborted', 'stopped before sign-in finished')), { once: true })
  })
  await Promise.race([completion, stopped])
  ctx.stdout.write('Signed in. Uploads to Google Photos continue with the next backup.\n')
  return 0
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const [action, ...rest] = args
  switch (action) {
    case 'add':
      return add(rest, ctx)
    case 'edit':
      return edit(rest, ctx)
    case 'list': {
      const { values: v, positionals } = parse(rest, { json: { type: 'boolean' } })
      if (positionals.length) throw new UsageError('list takes no names')
      const o = await open(ctx)
      try {
        const views = o.manager.list()
        if (v.json) {
          for (const d of views) ctx.stdout.write(`${JSON.stringify(d)}\n`)
          ctx.stdout.write(`${JSON.stringify({ summary: { destinations: views.length, problems: views.filter((d) => d.problem).length } })}\n`)
        } else ctx.stdout.write(`${render(views)}\n`)
        return 0
      } finally {
        o.close()
      }
    }
    case 'remove':
      return withNamed(rest, ctx, 'remove', async (o, id) => {
        const name = o.manager.find(id)!.name
        await o.manager.remove(id)
        ctx.stdout.write(`Removed ${name}. Nothing was deleted on the destination.\n`)
        return 0
      })
    case 'test':
      return withNamed(rest, ctx, 'test', async (o, id) => {
        const result = await o.manager.test({ id })
        ;(result.ok ? ctx.stdout : ctx.stderr).write(`${result.message}\n`)
        return result.ok ? 0 : 1
      })
    case 'login':
      return withNamed(rest, ctx, 'login', (o, id) => login(o, id, ctx))
    default:
      throw new UsageError(action ? `unknown action "${action}"` : 'an action is needed: add, edit, list, remove, test or login')
  }
}

export const destinationCommand: CliCommand = {
  name: 'destination',
  usage: USAGE,
  dataFolder: 'exclusive',
  run,
}
