/**
 * Every `cradle` subcommand, in the order `cradle --help` lists them. Each module is imported only
 * when its command runs (see CliCommandEntry).
 */
import type { CliCommandEntry } from '../command.js'

export const COMMANDS: CliCommandEntry[] = [
  { name: 'demo', summary: 'virtual iPhone + engine + web UI on a fresh library', load: async () => (await import('./demo.js')).demoCommand },
  { name: 'serve', summary: 'engine + web UI for real phones (runs until stopped)', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'open', summary: 'open the window of the running cradle serve (with its access token)', load: async () => (await import('./open.js')).openCommand },
  { name: 'backup', summary: 'import from every trusted phone, upload, then exit (--once)', load: async () => (await import('./backup.js')).backupCommand },
  { name: 'devices', summary: 'phones: name, model, iOS, battery, charging, trust', load: async () => (await import('./devices.js')).devicesCommand },
  { name: 'pair', summary: 'pair with a phone (walks you through Trust)', load: async () => (await import('./pair.js')).pairCommand },
  { name: 'status', summary: 'library and queue counts, last backup per phone, destinations', load: async () => (await import('./status.js')).statusCommand },
  { name: 'verify', summary: 'check every library file (and --destinations) against its checksum', load: async () => (await import('./verify.js')).verifyCommand },
  { name: 'destination', summary: 'add, edit, list, remove, test destinations; secrets from stdin or an env variable', load: async () => (await import('./destination.js')).destinationCommand },
  { name: 'notify', summary: 'send notices to an ntfy-style URL or by e-mail (set-url, set-email, test, off)', load: async () => (await import('./notify.js')).notifyCommand },
  { name: 'service', summary: 'run cradle serve as a systemd service (install, uninstall, status)', load: async () => (await import('./service.js')).serviceCommand },
  { name: 'sim', summary: 'the virtual iPhone alone (a usbmuxd socket for tests and demos)', load: async () => (await import('./sim.js')).simCommand },
  { name: 'afc', summary: 'ls / pull files on a phone (debugging)', load: async () => (await import('./afc.js')).afcCommand },
]
