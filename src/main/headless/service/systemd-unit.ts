/**
 * The systemd unit that runs `cradle serve` on a home server: pure text from a few facts, so it can
 * be checked by `systemd-analyze verify` in a test and printed for a user who prefers to install
 * it by hand.
 *
 * Choices, and why:
 * - System unit (multi-user.target, `User=` the person who owns the library) starts at boot without
 *   anyone logged in; a user unit (default.target) needs `loginctl enable-linger` for that, and
 *   cannot order itself after the system's usbmuxd.service.
 * - `After=usbmuxd.service`: on Debian/Ubuntu udev starts usbmuxd when a phone is plugged in, so it
 *   is ordered, not required: `serve` waits for the mux socket by itself.
 * - Restart=on-failure with a pause, so a crash loop cannot spin a Raspberry Pi's CPU.
 * - UMask=0077: the data folder holds the catalog and secrets; nothing it writes is for others.
 * - Logs go to the journal (stdout/stderr), which is what `journalctl -u cradle` reads.
 */
export interface UnitFacts {
  /** Absolute path of the Node.js binary that runs Cradle. */
  nodePath: string
  /** Absolute path of Cradle's bin/cradle.js. */
  cradlePath: string
  dataDir: string
  libraryDir: string
  /** true: a user unit (~/.config/systemd/user); false: a system unit run as `runAs`. */
  user: boolean
  /** The account a system unit runs as (ignored for user units). */
  runAs?: string
  /** Extra `cradle serve` options (e.g. --host, --port, --token-file). */
  serveArgs?: readonly string[]
}

export const UNIT_NAME = 'cradle.service'

/**
 * One command-line word as systemd reads ExecStart: `%` and `$` would be expanded (specifiers,
 * environment), so they are doubled; a word with anything but plain path characters is quoted.
 */
export function systemdWord(word: string): string {
  if (word === '') return '""'
  if (/[\x00-\x1f\x7f]/.test(word)) throw new Error(`a control character cannot go into a systemd unit: ${JSON.stringify(word)}`)
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$')
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function renderUnit(f: UnitFacts): string {
  for (const p of [f.nodePath, f.cradlePath, f.dataDir, f.libraryDir]) {
    if (!p.startsWith('/')) throw new Error(`a systemd unit needs absolute paths: ${p}`)
  }
  if (!f.user && !f.runAs) throw new Error('a system unit needs the account it runs as')
  const exec = [f.nodePath, f.cradlePath, '--data', f.dataDir, '--library', f.libraryDir, 'serve', ...(f.serveArgs ?? [])].map(systemdWord).join(' ')
  return [
    '# Written by `cradle service install`; `cradle service uninstall` removes it.',
    '[Unit]',
    'Description=Cradle: wired iPhone photo backup (headless)',
    'Documentation=man:systemd.service(5)',
    ...(f.user ? [] : ['After=network-online.target usbmuxd.service', 'Wants=network-online.target']),
    '',
    '[Service]',
    'Type=exec',
    ...(f.user ? [] : [`User=${systemdWord(f.runAs!)}`]),
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=10s',
    'UMask=0077',
    'NoNewPrivileges=yes',
    '',
    '[Install]',
    `WantedBy=${f.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n')
}
