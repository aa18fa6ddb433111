/**
 * Only our window may call the engine: the message must come from its webContents, from the main
 * frame (not an iframe), showing a page of our own app:// origin. Anything else is dropped, as in
 * GitHub Desktop's trusted-ipc-sender.ts.
 */
import { isAppUrl } from '../window/app-protocol.js'

/** The fields of IpcMainInvokeEvent the check reads. */
export interface SenderInfo {
  sender: { id: number }
  senderFrame: { url: string; parent: unknown } | null
}

/** True when the IPC call comes from our window's main frame on app://cradle. */
export function isTrustedSender(event: SenderInfo, windowWebContentsId: number | null): boolean {
  if (windowWebContentsId === null || event.sender.id !== windowWebContentsId) return false
  const frame = event.senderFrame
  if (frame === null || frame.parent !== null) return false
  return isAppUrl(frame.url)
}
