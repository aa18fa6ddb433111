/**
 * XDG autostart entries (Linux), written by hand because Electron's setLoginItemSettings does
 * nothing there. Rules from the Desktop Entry Specification 1.5, "The Exec key": an argument with a
 * reserved character is double-quoted, and inside quotes `"` `` ` `` `$` `\` take a backslash; the
 * string-value escape is applied first, so a literal backslash becomes four; `%` is written `%%`.
 * https://specifications.freedesktop.org/desktop-entry-spec/latest/exec-variables.html
 */

const RESERVED = /[\s"'\\><~|&;$*?#()`]/

/** Quotes one Exec argument; refuses what a desktop entry cannot hold (newlines, NUL). */
export function quoteExecArg(arg: string): string {
  if (/[\n\r\0]/.test(arg)) throw new Error('an Exec argument cannot contain a line break')
  const percent = arg.replace(/%/g, '%%')
  if (!RESERVED.test(arg) && arg !== '') return percent
  // Quoting rule, then the string-value rule doubles every backslash again.
  const quoted = percent.replace(/[\\"`$]/g, (c) => `\\${c}`)
  return `"${quoted.replace(/\\/g, '\\\\')}"`
}

export interface DesktopEntry {
  name: string
  comment: string
  exec: readonly string[]
  icon: string
}

/** The text of an autostart `.desktop` file. */
export function desktopEntryText(entry: DesktopEntry): string {
  const value = (s: string): string => s.replace(/[\n\r]/g, ' ')
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.5',
    `Name=${value(entry.name)}`,
    `Comment=${value(entry.comment)}`,
    `Exec=${entry.exec.map(quoteExecArg).join(' ')}`,
    `Icon=${value(entry.icon)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}
