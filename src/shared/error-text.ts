import { assertNever } from './assert-never.js'
import type { ErrorCode, ErrorContext, WireError } from './errors.js'
import { formatBytes } from './format.js'

export interface ErrorText {
  /** What happened, in the user's words. */
  title: string
  /** What to do next; absent when nothing is needed from the user. */
  action?: string
}

/** The usbmuxd install hint differs per OS; the platform is passed in so this stays pure. */
export type Platform = 'linux' | 'darwin' | 'win32' | 'other'

function usbmuxdHint(platform: Platform): string {
  switch (platform) {
    case 'linux': return 'Install the usbmuxd package (sudo apt install usbmuxd).'
    case 'win32': return 'Install Apple Devices from the Microsoft Store (or iTunes).'
    case 'darwin': return 'Restart your Mac; the usbmuxd service is part of macOS.'
    default: return 'Install usbmuxd for your system.'
  }
}

/**
 * The only place user-facing error sentences live. A title that starts with a plain lower-case word
 * gets its capital ("your iPhone is locked" → "Your iPhone is locked"); a name keeps its own
 * spelling ("iPhone was unplugged").
 */
export function describeError(code: ErrorCode, context: ErrorContext = {}, platform: Platform = 'linux'): ErrorText {
  const text = sentence(code, context, platform)
  return /^[a-z]+\b/.test(text.title) ? { ...text, title: text.title.charAt(0).toUpperCase() + text.title.slice(1) } : text
}

function sentence(code: ErrorCode, context: ErrorContext, platform: Platform): ErrorText {
  const phone = context.deviceName ?? 'your iPhone'
  const dest = context.destinationName ?? 'the destination'
  switch (code) {
    case 'usbmuxd-missing':
      return { title: 'The iPhone connection service is not installed', action: usbmuxdHint(platform) }
    case 'usbmuxd-not-running':
      return { title: 'The iPhone connection service is not running', action: usbmuxdHint(platform) }
    case 'device-not-found':
      return { title: 'That iPhone is not connected', action: 'Connect your iPhone with a cable.' }
    case 'device-unplugged':
      return { title: `${phone} was unplugged`, action: 'Plug it in again; the backup continues where it stopped.' }
    case 'phone-not-charging':
      return { title: `${phone} is not charging`, action: 'Plug it into a charger or a port that charges it, or turn off "Import only while charging".' }
    case 'phone-battery-low':
      return {
        title: typeof context.minBatteryPercent === 'number' ? `${phone}'s battery is below ${context.minBatteryPercent} %` : `${phone}'s battery is low`,
        action: 'Let it charge, or lower the minimum battery level in the settings.',
      }
    case 'device-locked':
      return { title: `${phone} is locked`, action: 'Unlock your iPhone to continue.' }
    case 'pairing-pending':
      return { title: `Waiting for Trust on ${phone}`, action: 'Tap Trust on your iPhone, then enter its passcode.' }
    case 'pairing-denied':
      return { title: `${phone} said Don't Trust`, action: 'Unplug it and plug it in again to be asked again.' }
    case 'pairing-invalid':
      if (context.pairRecord === 'legacy') return { title: `The pairing with ${phone} is too old for Cradle to use here`, action: 'Pair it again: run "cradle pair" and tap Trust on the iPhone.' }
      if (context.pairRecord === 'unusable') return { title: `The pairing with ${phone} cannot be read`, action: 'Pair it again: run "cradle pair" and tap Trust on the iPhone.' }
      if (context.pairRecord === 'not-ours') return { title: `${phone} no longer trusts this computer`, action: 'Another app made this pairing, so Cradle left it alone. Run "cradle pair" to replace it, then tap Trust on the iPhone.' }
      return { title: `${phone} no longer trusts this computer`, action: 'Unlock your iPhone and tap Trust when it asks.' }
    case 'pairing-over-network':
      return { title: 'Pairing needs a cable', action: 'Connect your iPhone with a USB cable to pair it.' }
    case 'device-protocol':
      return { title: `${phone} answered in a way Cradle did not understand`, action: 'Unplug it and plug it in again.' }
    case 'device-timeout':
      return { title: `${phone} stopped answering`, action: 'Unplug it and plug it in again.' }
    case 'device-connection-lost':
      return { title: `The connection to ${phone} was lost`, action: 'Cradle reconnects by itself; the backup continues where it stopped.' }
    case 'device-handshake-failed':
      return { title: `Cradle could not open a secure connection to ${phone}`, action: 'Unplug it, plug it in again and unlock it. Its pairing with this computer was kept.' }
    case 'file-not-on-device':
      return { title: 'In iCloud only (Optimize iPhone Storage)', action: "It will be backed up when the iPhone downloads it." }
    case 'file-unreadable':
      return {
        title: `Couldn't read ${typeof context.path === 'string' ? context.path.slice(context.path.lastIndexOf('/') + 1) : 'a file'} from ${phone}`,
        action: 'Cradle tries it again the next time the iPhone is connected.',
      }
    case 'disk-full': {
      const free = context.freeBytes !== undefined && context.totalBytes !== undefined
        ? ` (${formatBytes(context.freeBytes)} free of ${formatBytes(context.totalBytes)})` : ''
      return { title: `The library disk is full${free}`, action: 'Nothing was lost; backup resumes when there is space.' }
    }
    case 'library-missing':
      return { title: 'The library folder is not there', action: `Connect the drive that holds ${context.path ?? 'the library'}, or choose another folder in Settings.` }
    case 'not-in-library':
      return { title: 'This file is not in the library', action: 'It can be opened once it has been imported.' }
    case 'folder-not-allowed':
      return {
        title: `${context.path ?? 'That folder'} is outside the folders Cradle may show`,
        action: 'Choose a folder in your home folder, next to the library, or under /media or /mnt, or type the path.',
      }
    case 'library-in-use':
      return { title: 'The library folder can change only while no iPhone is connected', action: 'Unplug your iPhone, change the folder, then plug it in again.' }
    case 'library-permission':
      return { title: 'Cradle may not write to the library folder', action: `Check the permissions of ${context.path ?? 'the library folder'}, or choose another folder.` }
    case 'catalog-corrupt':
      return { title: "Cradle's catalog could not be read", action: `${context.path ? `It is kept as ${context.path}. ` : ''}Nothing in the library was changed.` }
    case 'catalog-rebuilt':
      return {
        title: "Cradle's catalog was damaged and has been rebuilt from the library",
        action: `${context.path ? `The damaged copy is kept as ${context.path}. ` : ''}Nothing in the library was changed; ${context.destinationsLost ? 'add your destinations again' : 'uploads check each destination again'}.`,
      }
    case 'catalog-newer':
      return { title: 'This data folder was used by a newer Cradle', action: 'Update Cradle, or use another data folder. Nothing was changed.' }
    case 'catalog-busy':
      return { title: "Cradle's catalog is locked by another program", action: 'Close the program that has catalog.sqlite open; nothing was lost, Cradle tries again.' }
    case 'data-disk-full':
      return { title: "The disk with Cradle's catalog is full", action: `Free some space${context.path ? ` on the disk of ${context.path}` : ''}. Nothing was lost; backup resumes when there is space.` }
    case 'data-folder-in-use': {
      const who = typeof context.pid === 'number'
        ? ` (pid ${context.pid}${context.command ? `, ${context.command}` : ''}${typeof context.since === 'number' ? `, since ${new Date(context.since).toLocaleString()}` : ''})`
        : ''
      return { title: `Another Cradle${who} is using this data folder`, action: `Stop it first, or give this one its own data folder (--data).${context.path ? ` The folder: ${context.path}` : ''}` }
    }
    case 'settings-invalid':
      return { title: context.key ? `The setting "${context.key}" is not valid` : 'A setting is not valid', action: 'Fix it in Settings.' }
    case 'destination-auth':
      if (context.googleSignIn === 'testing-expired') {
        return {
          title: `Google ended the sign-in of ${dest} after 7 days`,
          action: `Google does this every week while your OAuth app is in Testing. Publish it to Production (Google Cloud console → Google Auth Platform → Audience → Publish app; personal use needs no verification), then sign in again.`,
        }
      }
      if (context.googleSignIn === 'ended') {
        return { title: `${dest} needs you to sign in again`, action: 'Sign in again. If Google ends the sign-in every 7 days, your OAuth app is still in Testing: publish it to Production (Google Auth Platform → Audience → Publish app).' }
      }
      // A refused key is fixed in the destination's form (its Edit button says "Update key");
      // only Google Photos signs in.
      switch (context.destinationKind) {
        case 'immich': return { title: `${dest} refused the API key`, action: 'Update the API key.' }
        case 's3': return { title: `${dest} refused the access key`, action: 'Update the access key.' }
        case 'webdav': return { title: `${dest} refused the user name or password`, action: 'Update the password.' }
        default: return { title: `${dest} needs you to sign in again`, action: 'Sign in again.' }
      }
    case 'destination-forbidden':
      return {
        title: `${dest} refused the upload`,
        action: typeof context.needs === 'string' ? `Give the API key these permissions: ${context.needs}, then retry.` : 'Check that the key or account may upload, then retry.',
      }
    case 'destination-too-large':
      return { title: `${dest} refused a file as too large`, action: "Raise the server's upload size limit (for example nginx client_max_body_size), then retry." }
    case 'destination-config':
      return googleConfigText(dest, context) ?? { title: `${dest} is not set up correctly`, action: 'Check its address and settings.' }
    case 'destination-unreachable':
      if (typeof context.missingFolder === 'string') return { title: `The folder ${context.missingFolder} doesn't exist`, action: 'Create it, or connect the drive it is on. Cradle tries again by itself.' }
      return { title: `Can't reach ${dest}`, action: 'Cradle retries by itself when the network is back.' }
    case 'destination-quota':
      return { title: `${dest} daily limit reached`, action: 'Uploads continue automatically after the limit resets.' }
    case 'destination-full':
      return { title: `${dest} is full`, action: 'Free space there (or raise its quota). Cradle tries again by itself every 15 minutes.' }
    case 'destination-conflict':
      return { title: `${dest} already has a different file with that name`, action: 'Nothing was overwritten. Rename or move the file on the server, then retry.' }
    case 'destination-rejected':
      return { title: `${dest} did not accept a file`, action: 'See the file in the queue for the reason.' }
    case 'destination-unsupported':
      return { title: `${dest} does not take this kind of file`, action: 'Cradle keeps it in the library.' }
    case 'destination-copy-bad':
      return { title: `${dest}'s copy of a file was missing or damaged`, action: 'Cradle uploads it again from the library.' }
    case 'secrets-unprotected':
      return { title: 'Saved passwords are not protected by a keyring', action: 'Install and unlock a keyring (GNOME Keyring or KWallet), then restart Cradle.' }
    case 'invalid-input':
      return { title: context.key ? `"${context.key}" is not valid` : 'Something entered is not valid' }
    case 'not-found':
      return { title: 'Not found' }
    case 'needs-desktop':
      return { title: 'Only the Cradle app can do that', action: 'In a browser, use Open instead, or type the path.' }
    case 'busy':
      return { title: 'Cradle is busy with that already' }
    case 'aborted':
      if (context.quit === true) return { title: 'Stopped when Cradle quit', action: 'The backup continues where it stopped when Cradle runs again with the iPhone connected.' }
      return { title: 'Stopped' }
    case 'timeout':
      return { title: 'That took too long', action: 'Try again.' }
    case 'internal':
      return { title: 'Something went wrong inside Cradle', action: 'Try again; if it keeps happening, the log has details.' }
    case 'access-denied':
      // The server says which check refused (server.ts): only a missing token is about the link.
      if (context.reason === 'host') return { title: 'This Cradle does not answer to that address', action: 'Open it by the address cradle serve printed; behind a proxy, start it with --allow-host and the name you use.' }
      if (context.reason === 'origin') return { title: 'A request from another site was refused', action: 'Open Cradle by its own address, not from inside another page.' }
      return { title: 'This Cradle needs its access link', action: 'Open the link that cradle serve printed when it started (it ends in #token=…), or run cradle open.' }
    default:
      return assertNever(code, 'error code')
  }
}

/** Google Photos set-up problems: the user's own OAuth client and Google Cloud project. */
function googleConfigText(dest: string, context: ErrorContext): ErrorText | null {
  const again = 'Remove the destination and add it again with the client ID and client secret of your Desktop client (Google Cloud console → Google Auth Platform → Clients).'
  if (context.googleApi === 'disabled') {
    const project = typeof context.googleProject === 'string' ? context.googleProject : null
    return {
      title: `The Photos Library API is turned off in ${project ? `Google Cloud project ${project}` : 'your Google Cloud project'}`,
      action: `Enable it at https://console.cloud.google.com/apis/library/photoslibrary.googleapis.com${project ? `?project=${project}` : ''}, wait a few minutes, then test ${dest} again.`,
    }
  }
  switch (context.googleClient) {
    case 'id-missing':
      return { title: `${dest} has no OAuth client ID`, action: again }
    case 'secret-missing':
      return { title: `${dest} has no OAuth client secret, and Google asks for it`, action: again }
    case 'rejected':
      return { title: `Google does not know the OAuth client of ${dest}, or its secret is wrong`, action: again }
  }
  return null
}

/** The wire form of an error: code, sentence and next step, plus safe context. */
export function toWireError(code: ErrorCode, context: ErrorContext = {}, platform: Platform = 'linux'): WireError {
  const text = describeError(code, context, platform)
  return { code, message: text.title, ...(text.action ? { action: text.action } : {}), context }
}
