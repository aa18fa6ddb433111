/**
 * Opening folders and URLs without a desktop: a headless server has nobody to show them to, so
 * the path or URL goes to the log and back to the caller (the web UI shows it).
 */
import { CradleError } from '../../../shared/errors.js'
import type { Notifier, Opener } from '../../engine/ports.js'
import type { Logger } from '../../logging/logger.js'

export function headlessOpener(log: Logger): Opener {
  return {
    openFolder: async (folder) => log.info('open folder', { folder }),
    openUrl: async (url) => log.info('open in a browser', { url }),
    openFile: async (_file, { reveal }) => {
      throw new CradleError('needs-desktop', reveal ? 'showing a file in its folder needs the desktop app' : 'opening a file here needs the desktop app')
    },
    chooseFolder: async () => {
      throw new CradleError('needs-desktop', 'the system folder dialog needs the desktop app')
    },
  }
}

export function logNotifier(log: Logger): Notifier {
  return { notify: ({ title, body }) => log.info('notification', { title, body }) }
}
