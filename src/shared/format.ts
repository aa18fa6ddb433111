/**
 * Numbers and times the way people read them: "4.2 GB", "about 4 min", "12,430".
 * Shared by the renderer, the tray and the CLI so every surface says the same thing.
 */

export function formatCount(n: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(n)
}

/** Decimal units (1 GB = 10^9 bytes), as phones and disks label themselves. */
export function formatBytes(bytes: number, locale?: string): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value)} ${units[unit]}`
}

export function formatSpeed(bytesPerSecond: number, locale?: string): string {
  return `${formatBytes(bytesPerSecond, locale)}/s`
}

/** "about 4 min", "about 1 h 20 min", "less than a minute" — never "243 s". */
export function formatTimeLeft(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null
  if (seconds < 45) return 'less than a minute left'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `about ${minutes} min left`
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return rest === 0 ? `about ${hours} h left` : `about ${hours} h ${rest} min left`
}

/** "today 08:14", "yesterday 22:03", "12 Mar 09:00" relative to `now` (a later day is a date too). */
export function formatWhen(epochMs: number, now: number = Date.now(), locale?: string): string {
  const date = new Date(epochMs)
  // A 12-hour clock reads "4:15 AM" (not "04:15 AM"); a 24-hour one keeps "04:15".
  const twelveHour = /h1[12]/.test(new Intl.DateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions().hourCycle ?? '')
  const time = new Intl.DateTimeFormat(locale, { hour: twelveHour ? 'numeric' : '2-digit', minute: '2-digit' }).format(date)
  const startOfToday = new Date(now)
  startOfToday.setHours(0, 0, 0, 0)
  const dayMs = 86_400_000
  const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(date)
  // A time after today (the scrub's next check) is a date, not "today".
  if (epochMs >= startOfToday.getTime() + dayMs) return `${day} ${time}`
  if (epochMs >= startOfToday.getTime()) return `today ${time}`
  if (epochMs >= startOfToday.getTime() - dayMs) return `yesterday ${time}`
  return `${day} ${time}`
}

export function formatPercent(done: number, total: number): number {
  if (total <= 0) return 0
  return Math.min(100, Math.max(0, Math.floor((done / total) * 100)))
}

/**
 * The one term for what a phone holds, as the Photos app counts it (a Live Photo or an edited
 * photo is one): "1 photo or video", "12,431 photos and videos". Window, CLI and notifications.
 */
export function formatPhotos(n: number, locale?: string): string {
  return `${formatCount(n, locale)} ${n === 1 ? 'photo or video' : 'photos and videos'}`
}
