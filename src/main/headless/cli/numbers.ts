import { UsageError } from './command.js'

/** Parses a numeric option; undefined when absent, UsageError when not a number in range. */
export function numberOption(value: string | undefined, flag: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  const min = opts.min ?? 0
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (opts.int === true && !Number.isInteger(n)) || (opts.max !== undefined && n > opts.max)) {
    throw new UsageError(`${flag} needs ${opts.int ? 'a whole number' : 'a number'} from ${min}${opts.max !== undefined ? ` to ${opts.max}` : ' up'}`)
  }
  return n
}
