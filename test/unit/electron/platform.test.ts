import { describe, expect, it } from 'vitest'
import { parseShellArgs, shouldStartHidden, toPlatform } from '../../../src/main/electron/platform.js'

describe('shell arguments', () => {
  it('reads --hidden, --data and --library, ignoring Chromium switches and the app folder', () => {
    expect(parseShellArgs(['.', '--no-sandbox', '--hidden', '--data', '/d', '--library=/l'])).toEqual({ hidden: true, dataDir: '/d', libraryDir: '/l' })
    expect(parseShellArgs([])).toEqual({ hidden: false })
    expect(parseShellArgs(['--data', '--hidden'])).toEqual({ hidden: true }) // a switch is not a folder
    expect(parseShellArgs(['--data='])).toEqual({ hidden: false })
  })

  it('starts hidden from the login item: --hidden, or macOS wasOpenedAtLogin', () => {
    expect(shouldStartHidden({ hidden: true }, 'win32', false)).toBe(true)
    expect(shouldStartHidden({ hidden: false }, 'darwin', true)).toBe(true)
    expect(shouldStartHidden({ hidden: false }, 'linux', true)).toBe(false)
    expect(shouldStartHidden({ hidden: false }, 'darwin', false)).toBe(false)
  })

  it('maps Node platforms', () => {
    expect(toPlatform('darwin')).toBe('darwin')
    expect(toPlatform('freebsd')).toBe('other')
  })
})
