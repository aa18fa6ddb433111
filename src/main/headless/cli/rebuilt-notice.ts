/** The one line a CLI command prints when it found the catalog damaged and rebuilt it. */
import { describeError } from '../../../shared/error-text.js'
import type { RebuildReport } from '../../library/catalog-rebuild.js'
import { currentPlatform } from './platform.js'

export function rebuiltNotice(r: RebuildReport): string {
  const text = describeError('catalog-rebuilt', { path: r.aside, destinationsLost: r.salvageFailed }, currentPlatform())
  return `${text.title} (${r.files} files, ${r.destinations} destinations and ${r.uploadsKept} finished uploads kept). ${text.action ?? ''}`.trim()
}
