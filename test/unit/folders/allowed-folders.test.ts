import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowedRoots, checkAllowedFolder, listAllowedFolder } from '../../../src/main/folders/allowed-folders.js'
import { isCradleError } from '../../../src/shared/errors.js'

/** A home folder, a library beside it and a private folder outside both, with links across. */
let top: string
let home: string
let outside: string
let roots: string[]

beforeAll(async () => {
  top = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-roots-')))
  home = path.join(top, 'home', 'anna')
  outside = path.join(top, 'etc')
  fs.mkdirSync(path.join(home, 'Pictures', 'Cradle'), { recursive: true })
  fs.mkdirSync(path.join(home, 'Backups'), { recursive: true })
  fs.mkdirSync(path.join(home, '.cache'), { recursive: true })
  fs.mkdirSync(path.join(outside, 'secret-folder'), { recursive: true })
  fs.writeFileSync(path.join(home, 'notes.txt'), 'not a folder')
  fs.symlinkSync(outside, path.join(home, 'escape'))
  fs.symlinkSync(path.join(home, 'Backups'), path.join(home, 'backups-link'))
  roots = await allowedRoots({ home, libraryRoot: path.join(home, 'Pictures', 'Cradle'), mounts: [path.join(top, 'media'), path.join(top, 'no-such-mount')] })
})
afterAll(() => fs.rmSync(top, { recursive: true, force: true }))

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(isCradleError(error, 'folder-not-allowed')).toBe(true)
  return (error as Error).message
}

describe('allowed folders (the headless folder picker)', () => {
  it('offers the home folder and the library parent, once, and only places that exist', async () => {
    // The library's parent (~/Pictures) is inside home: home covers it.
    expect(roots).toEqual([home])
    fs.mkdirSync(path.join(top, 'media'))
    expect(await allowedRoots({ home, libraryRoot: path.join(top, 'lib', 'Cradle'), mounts: [path.join(top, 'media')] }))
      .toEqual([home, path.join(top, 'media')]) // lib/ does not exist: not offered
  })

  it('lists subfolders by name, without files and hidden folders', async () => {
    const listing = await listAllowedFolder(home, roots)
    expect(listing.path).toBe(home)
    expect(listing.parent).toBeNull() // a root: Up goes back to the list of roots
    expect(listing.folders.map((f) => f.name)).toEqual(['Backups', 'backups-link', 'Pictures'])
    expect(listing.folders[0]).toEqual({ name: 'Backups', path: path.join(home, 'Backups') })
    const pictures = await listAllowedFolder(path.join(home, 'Pictures'), roots)
    expect(pictures.parent).toBe(home)
    expect(pictures.folders.map((f) => f.name)).toEqual(['Cradle'])
  })

  it('without a path, lists the roots', async () => {
    expect(await listAllowedFolder(undefined, roots)).toEqual({ path: null, parent: null, folders: [{ name: home, path: home }], truncated: false })
  })

  it('refuses a path outside the roots', async () => {
    expect(await refusal(listAllowedFolder(outside, roots))).toContain('outside the roots')
    expect(await refusal(listAllowedFolder('/', roots))).toContain('outside the roots')
    expect(await refusal(checkAllowedFolder(path.dirname(home), roots))).toContain('outside the roots')
  })

  it('refuses "..", even when it would land inside a root', async () => {
    expect(await refusal(listAllowedFolder(path.join(home, 'Pictures') + '/../../../etc', roots))).toContain('contains ..')
    expect(await refusal(checkAllowedFolder(`${home}/Pictures/..`, roots))).toContain('contains ..')
  })

  it('refuses a relative path', async () => {
    expect(await refusal(checkAllowedFolder('Pictures', roots))).toContain('not an absolute path')
  })

  it('refuses a link that leads out of the roots, and does not offer it in a listing', async () => {
    expect(await refusal(listAllowedFolder(path.join(home, 'escape'), roots))).toContain('a link leads out of the roots')
    expect(await refusal(listAllowedFolder(path.join(home, 'escape', 'secret-folder'), roots))).toContain('a link leads out of the roots')
    expect((await listAllowedFolder(home, roots)).folders.map((f) => f.name)).not.toContain('escape')
  })

  it('follows a link that stays inside the roots', async () => {
    expect(await checkAllowedFolder(path.join(home, 'backups-link'), roots)).toBe(path.join(home, 'backups-link'))
  })

  it('says not-found for a folder that is not there or is a file', async () => {
    for (const p of [path.join(home, 'nope'), path.join(home, 'notes.txt')]) {
      const error = await checkAllowedFolder(p, roots).then(() => null, (e: unknown) => e)
      expect(isCradleError(error, 'not-found')).toBe(true)
    }
  })
})
