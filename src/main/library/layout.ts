/**
 * The folder a group goes to, from the settings template ({YYYY}/{YYYY}-{MM} by default) and the
 * capture date on the photographer's clock (so a photo taken at 01:30 on 1 August in Tokyo is in
 * August even though it was still July in UTC).
 */
import { validateLayout } from '../../shared/settings.js'
import { CradleError } from '../../shared/errors.js'
import type { CaptureDate } from './capture-date.js'

const pad = (n: number, w: number): string => String(n).padStart(w, '0')

/** Renders a validated template; throws settings-invalid for a template validateLayout refuses. */
export function renderLayout(template: string, date: CaptureDate['wall']): string {
  const problem = validateLayout(template)
  if (problem) throw new CradleError('settings-invalid', `layout ${problem}`, { context: { key: 'layout' } })
  return template
    .replaceAll('{YYYY}', pad(date.year, 4))
    .replaceAll('{MM}', pad(date.month, 2))
    .replaceAll('{DD}', pad(date.day, 2))
}
