/**
 * AC power for headless runs. Linux exposes it in sysfs (/sys/class/power_supply/<x>/type "Mains"
 * with "online" 0/1); a desktop or server without a battery is on AC. Elsewhere we cannot tell
 * without a GUI framework, so the answer is null (treated as AC by the upload policy).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { PowerSource } from '../../engine/ports.js'

const SYSFS = '/sys/class/power_supply'

/** Reads sysfs once: true on AC, false on battery, null when the machine reports nothing. */
export function readLinuxAcPower(root = SYSFS): boolean | null {
  let names: string[]
  try {
    names = fs.readdirSync(root)
  } catch {
    return null
  }
  let sawMains = false
  let sawBattery = false
  for (const name of names) {
    const read = (file: string): string | null => {
      try {
        return fs.readFileSync(path.join(root, name, file), 'utf8').trim()
      } catch {
        return null
      }
    }
    const type = read('type')
    if (type === 'Mains' || type === 'USB') {
      sawMains = true
      if (read('online') === '1') return true
    } else if (type === 'Battery') sawBattery = true
  }
  if (sawMains) return false
  // Only a battery and no adapter entry: on battery. Nothing at all: a desktop or a server.
  return sawBattery ? false : true
}

export function nodePowerSource(options: { platform?: NodeJS.Platform; pollMs?: number; root?: string } = {}): PowerSource {
  const platform = options.platform ?? process.platform
  const read = (): boolean | null => (platform === 'linux' ? readLinuxAcPower(options.root) : null)
  let last = read()
  const listeners = new Set<() => void>()
  let timer: NodeJS.Timeout | null = null
  const ensureTimer = (): void => {
    if (timer || platform !== 'linux') return
    timer = setInterval(() => {
      const now = read()
      if (now === last) return
      last = now
      for (const l of [...listeners]) l()
    }, options.pollMs ?? 30_000)
    timer.unref()
  }
  return {
    onAcPower: () => last,
    onChange(callback) {
      listeners.add(callback)
      ensureTimer()
      return () => {
        listeners.delete(callback)
        if (listeners.size === 0 && timer) {
          clearInterval(timer)
          timer = null
        }
      }
    },
  }
}
