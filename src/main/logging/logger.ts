/**
 * Structured logging: `createLogger('device/afc').debug('read', { path, bytes })`.
 * One sink per process (JSON lines on stderr headless, a file in the app); fields, not
 * concatenated strings. Never pass secrets, tokens, pair records or whole plists.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  child(name: string): Logger
}

export interface LogRecord {
  time: string
  level: LogLevel
  module: string
  message: string
  fields?: LogFields
}

export type LogSink = (record: LogRecord) => void

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

function parseLevel(value: string | undefined): LogLevel | 'silent' {
  if (value === 'debug' || value === 'info' || value === 'warn' || value === 'error' || value === 'silent') return value
  return 'warn'
}

let threshold: LogLevel | 'silent' = parseLevel(process.env.CRADLE_LOG)
let sink: LogSink = (record) => {
  process.stderr.write(`${JSON.stringify(record, errorReplacer)}\n`)
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) }
  if (typeof value === 'bigint') return value.toString()
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`
  return value
}

/** Replaces where log records go and the minimum level (tests capture, the app writes a file). */
export function configureLogging(options: { sink?: LogSink; level?: LogLevel | 'silent' }): void {
  if (options.sink) sink = options.sink
  if (options.level) threshold = options.level
}

export function createLogger(module: string): Logger {
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (threshold === 'silent' || ORDER[level] < ORDER[threshold]) return
    sink({ time: new Date().toISOString(), level, module, message, ...(fields ? { fields } : {}) })
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (name) => createLogger(`${module}/${name}`),
  }
}
