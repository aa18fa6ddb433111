/**
 * `cradle afc ls PATH` / `cradle afc pull PATH DEST`: look at and copy files on a phone over
 * AFC, for debugging. Read-only on the phone. Device-supplied names never leave DEST.
 */
import { createWriteStream, promises as fs } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { formatBytes, formatSpeed } from '../../../../shared/format.js'
import { CradleError } from '../../../../shared/errors.js'
import { connectDevice, MuxClient, type AfcClient, type AfcStat } from '../../../device/index.js'
import { tempPathFor } from '../../../data-folder/private-files.js'
import { isInside } from '../../../folders/inside.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'

const USAGE = `Usage: cradle afc ls PATH [--long] [--udid UDID]
       cradle afc pull PATH DEST [--udid UDID]

Debugging access to the phone's media folder (AFC). ls lists a folder (or shows a file);
pull copies a file, or a whole folder, into DEST. Nothing on the phone is changed.

Options:
  --udid UDID   which phone (default: the first one on USB)
  --long        ls: size, modification time and type`

function fmtTime(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString().replace('T', ' ').slice(0, 19)
}

async function ls(afc: AfcClient, target: string, long: boolean, ctx: CliContext): Promise<void> {
  const st = await afc.stat(target, ctx.stopSignal)
  const entries: [string, AfcStat | null][] = []
  if (st.type === 'dir') {
    const names = (await afc.listDir(target, ctx.stopSignal)).sort()
    const stats = long ? await afc.statMany(names.map((n) => path.posix.join(target, n)), { signal: ctx.stopSignal }) : names.map(() => null)
    names.forEach((n, i) => entries.push([n, stats[i] ?? null]))
  } else entries.push([path.posix.basename(target), st])
  for (const [name, s] of entries) {
    if (!long || !s) ctx.stdout.write(`${name}\n`)
    else ctx.stdout.write(`${s.type === 'dir' ? 'd' : '-'} ${String(s.size).padStart(12)}  ${fmtTime(s.mtimeNs)}  ${name}\n`)
  }
}

/** DEST/rel, refusing anything that would land outside DEST. */
function inside(dest: string, rel: string): string {
  const out = path.resolve(dest, ...rel.split('/').filter((p) => p !== '' && p !== '.'))
  if (!isInside(path.resolve(dest), out)) throw new CradleError('invalid-input', `refusing to write outside ${dest}: ${rel}`)
  return out
}

async function pullFile(afc: AfcClient, remote: string, local: string, size: number, signal: AbortSignal): Promise<void> {
  await fs.mkdir(path.dirname(local), { recursive: true })
  const part = `${tempPathFor(local)}.part`
  const out = createWriteStream(part, { flags: 'wx' })
  try {
    await afc.download(remote, out, { size, signal })
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
    await fs.rename(part, local)
  } catch (error) {
    out.destroy()
    await fs.rm(part, { force: true })
    throw error
  }
}

async function pull(afc: AfcClient, remote: string, destArg: string, ctx: CliContext): Promise<number> {
  const started = Date.now()
  const st = await afc.stat(remote, ctx.stopSignal)
  const dest = path.resolve(destArg)
  let files: { path: string; size: number }[]
  let local: (p: string) => string
  if (st.type === 'dir') {
    files = (await afc.walk(remote, { signal: ctx.stopSignal })).files.map((f) => ({ path: f.path, size: f.stat.size }))
    local = (p) => inside(dest, path.posix.relative(remote, p))
  } else {
    const isDir = await fs.stat(dest).then((s) => s.isDirectory(), () => false)
    files = [{ path: remote, size: st.size }]
    local = () => (isDir ? inside(dest, path.posix.basename(remote)) : dest)
  }
  let bytes = 0
  let skipped = 0
  for (const f of files) {
    try {
      await pullFile(afc, f.path, local(f.path), f.size, ctx.stopSignal)
      bytes += f.size
    } catch (error) {
      // One file's AFC status is that file's problem: skip it, say why, go on.
      if (!(error instanceof CradleError) || (error.code !== 'file-not-on-device' && error.code !== 'file-unreadable')) throw error
      skipped++
      ctx.stderr.write(error.code === 'file-not-on-device' ? `skipped ${f.path}: not on the iPhone (in iCloud only)\n` : `skipped ${f.path}: the iPhone refused it (${error.context.afcStatus ?? error.message})\n`)
    }
  }
  const secs = Math.max(0.001, (Date.now() - started) / 1000)
  ctx.stdout.write(`Pulled ${files.length - skipped} file(s), ${formatBytes(bytes)} in ${secs.toFixed(1)} s (${formatSpeed(bytes / secs)})${skipped ? `; ${skipped} skipped` : ''}.\n`)
  return skipped > 0 ? 1 : 0
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: true; options: { udid: { type: 'string' }; long: { type: 'boolean' } } }>>
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options: { udid: { type: 'string' }, long: { type: 'boolean' } } })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const [sub, target, dest, ...extra] = parsed.positionals
  if (sub !== 'ls' && sub !== 'pull') throw new UsageError('say ls or pull')
  if (!target || !target.startsWith('/')) throw new UsageError('PATH must be an absolute path on the phone, e.g. /DCIM')
  if (sub === 'ls' && (dest !== undefined || extra.length)) throw new UsageError('ls takes one PATH')
  if (sub === 'pull' && (dest === undefined || extra.length)) throw new UsageError('pull takes PATH and DEST')
  const mux = new MuxClient({ env: ctx.env })
  const session = await connectDevice(mux, parsed.values.udid ?? (await mux.findDevice(undefined, { signal: ctx.stopSignal })), { pair: false, signal: ctx.stopSignal })
  try {
    const afc = await session.openAfc({ signal: ctx.stopSignal })
    try {
      if (sub === 'ls') {
        await ls(afc, target, parsed.values.long ?? false, ctx)
        return 0
      }
      return await pull(afc, target, dest!, ctx)
    } finally {
      afc.close()
    }
  } finally {
    await session.close()
  }
}

export const afcCommand: CliCommand = { name: 'afc', usage: USAGE, run }
