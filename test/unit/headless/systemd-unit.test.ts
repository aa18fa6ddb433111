import { describe, expect, it } from 'vitest'
import { renderUnit, systemdWord } from '../../../src/main/headless/service/systemd-unit.js'

describe('systemdWord (ExecStart quoting, systemd.service(5) "Command lines")', () => {
  it.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/home/ann/Pictures/Cradle', '/home/ann/Pictures/Cradle'],
    ['/media/My Photos', '"/media/My Photos"'],
    ['100%', '100%%'], // a specifier otherwise
    ['$HOME', '"$$HOME"'], // an environment variable otherwise
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['', '""'],
  ])('%j → %s', (word, quoted) => {
    expect(systemdWord(word)).toBe(quoted)
  })

  it('refuses control characters (a newline would start a new unit line)', () => {
    expect(() => systemdWord('a\nExecStartPre=/bin/rm')).toThrow(/control character/)
  })
})

describe('renderUnit', () => {
  const facts = { nodePath: '/usr/bin/node', cradlePath: '/usr/lib/node_modules/cradle/bin/cradle.js', dataDir: '/srv/cradle/data', libraryDir: '/srv/photos' }

  it('a system unit: runs as the given account after usbmuxd, restarts on failure, private files', () => {
    const unit = renderUnit({ ...facts, user: false, runAs: 'ann', serveArgs: ['--host', '0.0.0.0'] })
    expect(unit).toContain('After=network-online.target usbmuxd.service\n')
    expect(unit).toContain('User=ann\n')
    expect(unit).toContain('ExecStart=/usr/bin/node /usr/lib/node_modules/cradle/bin/cradle.js --data /srv/cradle/data --library /srv/photos serve --host 0.0.0.0\n')
    expect(unit).toContain('Restart=on-failure\n')
    expect(unit).toContain('UMask=0077\n')
    expect(unit).toContain('WantedBy=multi-user.target\n')
  })

  it('a user unit: no User= and no ordering on system units it cannot see', () => {
    const unit = renderUnit({ ...facts, user: true })
    expect(unit).not.toContain('User=')
    expect(unit).not.toContain('usbmuxd.service')
    expect(unit).toContain('WantedBy=default.target\n')
  })

  it('refuses relative paths and a system unit without an account', () => {
    expect(() => renderUnit({ ...facts, dataDir: 'data', user: true })).toThrow(/absolute/)
    expect(() => renderUnit({ ...facts, user: false })).toThrow(/account/)
  })
})
