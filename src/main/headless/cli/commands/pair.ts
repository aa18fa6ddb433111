/**
 * `cradle pair [UDID]`: walks the user through Trust ("Unlock your iPhone…", "Tap Trust…") as
 * the phone's state changes; exits 0 once paired. A record the phone no longer accepts (or this
 * computer's TLS cannot use) is replaced, even one another program wrote: the user asked to pair.
 * A handshake that fails is not such a refusal: the record is kept.
 */
import { parseArgs } from 'node:util'
import { connectDevice, MuxClient, type TrustState } from '../../../device/index.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'

const USAGE = `Usage: cradle pair [UDID] [--timeout SECONDS]

Pairs this computer with an iPhone connected by cable (the first one when no UDID is
given): unlock the iPhone and tap Trust when it asks. Exits 0 once paired.

Options:
  --timeout SECONDS   how long to wait for you to unlock and tap Trust (default 300)`

const MESSAGES: Partial<Record<TrustState, string>> = {
  'waiting-for-unlock': 'Unlock your iPhone…',
  'waiting-for-trust': 'Tap Trust on your iPhone, then enter its passcode…',
  denied: 'The iPhone answered "Don\'t Trust".',
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let udid: string | undefined
  let timeoutMs = 300_000
  try {
    const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { timeout: { type: 'string' } } })
    if (positionals.length > 1) throw new Error('give at most one UDID')
    udid = positionals[0]
    if (values.timeout !== undefined) {
      const s = Number(values.timeout)
      if (!Number.isFinite(s) || s <= 0) throw new Error('--timeout needs a number of seconds > 0')
      timeoutMs = s * 1000
    }
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const mux = new MuxClient({ env: ctx.env })
  const device = await mux.findDevice(udid, { signal: ctx.stopSignal })
  const hadRecord = (await mux.readDevicePairRecord(device, { signal: ctx.stopSignal })) !== undefined
  const session = await connectDevice(mux, device, {
    signal: ctx.stopSignal,
    pairTimeoutMs: timeoutMs,
    onRevoked: 'repair',
    replaceOtherRecord: true,
    onTrustState: (state) => {
      const text = MESSAGES[state]
      if (text) ctx.stdout.write(`${text}\n`)
    },
  })
  try {
    ctx.stdout.write(`${hadRecord ? 'Already paired with' : 'Paired with'} ${session.info.name} (${session.info.model}, ${device.udid}).\n`)
  } finally {
    await session.close()
  }
  return 0
}

export const pairCommand: CliCommand = { name: 'pair', usage: USAGE, run }
