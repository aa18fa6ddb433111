/**
 * How CLI commands take a secret (a destination's password or key, the SMTP password, a push
 * token): only from `--secret-env VAR` or `--secret-stdin`, never from argv, which every user of
 * the computer can read (ps). `--keep-secret-in-env` stores the variable's name instead of the value.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError, type CliContext } from './command.js'

export const SECRET_OPTIONS = {
  'secret-env': { type: 'string' },
  'secret-stdin': { type: 'boolean' },
  'keep-secret-in-env': { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>

const SECRET_FLAGS = /^--(secret|password|api-key|apikey|secret-access-key|client-secret|token)(=|$)/

export type ParsedValues = Record<string, string | boolean | undefined>

/** parseArgs, strict, with a clear refusal of --password and its kind. */
export function parseCommandArgs(args: string[], options: NonNullable<ParseArgsConfig['options']>): { values: ParsedValues; positionals: string[] } {
  const secretArg = args.find((a) => SECRET_FLAGS.test(a))
  if (secretArg) throw new UsageError(`${secretArg.split('=')[0]} is not accepted: pass secrets with --secret-env VAR or --secret-stdin, never on the command line`)
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true })
    return { values: r.values as ParsedValues, positionals: r.positionals }
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

export async function readStdinLine(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of ctx.stdin) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
    if (Buffer.concat(chunks).includes(10)) break
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? ''
}

export interface SecretInput {
  value: string
  /** Set with --keep-secret-in-env: store this variable's name, not the value. */
  keepInEnv?: string
}

/** The secret the options name, or undefined when none was given. */
export async function secretFromOptions(v: ParsedValues, ctx: CliContext): Promise<SecretInput | undefined> {
  if (v['secret-env'] && v['secret-stdin']) throw new UsageError('use --secret-env or --secret-stdin, not both')
  if (v['keep-secret-in-env'] && !v['secret-env']) throw new UsageError('--keep-secret-in-env goes with --secret-env VAR')
  const envName = typeof v['secret-env'] === 'string' ? v['secret-env'] : undefined
  if (envName) {
    const value = ctx.env[envName]
    if (!value) throw new UsageError(`the environment variable ${envName} is not set`)
    return { value, ...(v['keep-secret-in-env'] ? { keepInEnv: envName } : {}) }
  }
  if (v['secret-stdin']) {
    const value = await readStdinLine(ctx)
    if (!value) throw new UsageError('no secret on standard input')
    return { value }
  }
  return undefined
}
