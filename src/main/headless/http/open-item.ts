/**
 * openItem over HTTP. The browser window cannot be handed a path to open: it is answered with a
 * signed link to the file the server streams (file-links.ts), once the engine has confirmed the
 * item is in the library. "Show in folder" needs a desktop, so `reveal` is refused (needs-desktop);
 * the web window does not offer it. Every other command goes to the engine unchanged.
 */
import type { CommandHandler, CommandName, Input, Result } from '../../../shared/contract.js'
import { CradleError } from '../../../shared/errors.js'
import type { FileLinks } from './file-links.js'

export function withFileLinks(handler: CommandHandler, links: FileLinks): CommandHandler {
  async function openItem({ id, reveal }: Input<'openItem'>): Promise<Result<'openItem'>> {
    if (reveal === true) throw new CradleError('needs-desktop', 'showing a file in its folder needs the desktop app')
    await handler.libraryFile(id)
    return { by: 'window', url: links.url(id) }
  }
  return {
    handle: <K extends CommandName>(name: K, input: Input<K>): Promise<Result<K>> =>
      name === 'openItem' ? (openItem(input as Input<'openItem'>) as Promise<Result<K>>) : handler.handle(name, input),
    subscribe: (listener) => handler.subscribe(listener),
    current: () => handler.current(),
    thumbnail: (itemId) => handler.thumbnail(itemId),
    libraryFile: (itemId) => handler.libraryFile(itemId),
  }
}
