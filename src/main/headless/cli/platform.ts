import type { Platform } from '../../../shared/error-text.js'

/** This OS in the words error-text.ts uses for install hints. */
export function currentPlatform(p: NodeJS.Platform = process.platform): Platform {
  return p === 'linux' || p === 'darwin' || p === 'win32' ? p : 'other'
}
