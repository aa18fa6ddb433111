/**
 * Issue 19 item 12, against `cradle demo`: a row in the library opens its photo (the engine serves
 * the file in a new tab; "Show in folder" is the app's only), a row not in the library offers
 * nothing, and a path field's Browse button picks a folder with the engine's folder picker.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from '../fixtures/app.js'

/** The file called `name` under `dir` (the library's dated folders), or null. */
function findFile(dir: string, name: string): string | null {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isFile() && e.name === name) return p
    if (e.isDirectory()) {
      const found = findFile(p, name)
      if (found) return found
    }
  }
  return null
}

test('clicking a row in the library opens its photo in a new tab, served by the engine; a row in iCloud only offers nothing', async ({ page, context, cradle }) => {
  const app = await cradle.start({ photos: 12, attached: true, notOnPhone: 1 })
  await page.goto(app.url)
  await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  const library = (await app.state()).library.path

  await page.getByRole('searchbox', { name: 'Search file names' }).fill('.JPG')
  const row = page.getByRole('listitem').filter({ hasText: 'In the library' }).filter({ has: page.getByRole('button', { name: /^Open IMG_\d{4}\.JPG$/ }) }).first()
  const open = row.getByRole('button', { name: /^Open / })
  const fileName = (await open.textContent())!
  // A browser has no folder to show the file in: the web window offers Open only.
  await expect(row.getByRole('button', { name: /in its folder/ })).toHaveCount(0)

  const served = context.waitForEvent('response', (r) => new URL(r.url()).pathname.startsWith('/api/files/'))
  const [tab] = await Promise.all([context.waitForEvent('page'), row.click()])
  const response = await served
  expect(response.status()).toBe(200)
  expect(response.frame().page()).toBe(tab)
  expect(response.headers()['content-type']).toBe('image/jpeg')
  expect(response.headers()['content-disposition']).toMatch(/^inline; /)
  // The token never sits in the tab's address.
  expect(tab.url()).not.toContain('token')
  const onDisk = findFile(library, fileName)
  expect(onDisk).not.toBeNull()
  const body = await response.body()
  expect(body.length).toBeGreaterThan(0)
  expect(body.equals(readFileSync(onDisk!))).toBe(true)
  // The tab shows the picture (the file's own sandboxing policy lets its image through).
  await expect.poll(() => tab.evaluate(() => document.querySelector('img')?.naturalWidth ?? 0)).toBeGreaterThan(0)
  await tab.close()

  // Enter on the name opens it too (keyboard).
  const again = context.waitForEvent('page')
  await open.focus()
  await page.keyboard.press('Enter')
  await (await again).close()

  // A file the phone holds only in iCloud is not in the library: nothing to open.
  await page.getByRole('searchbox', { name: 'Search file names' }).fill('')
  await page.getByRole('button', { name: /^In iCloud only/ }).click()
  const icloud = page.getByRole('listitem').filter({ hasText: 'In iCloud only' }).first()
  await expect(icloud).toBeVisible()
  await expect(icloud.getByRole('button')).toHaveCount(0)
})

test('Browse beside a folder field picks a folder from the ones the engine may show', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 4, attached: true })
  const libraryParent = path.dirname((await app.state()).library.path)
  const target = path.join(libraryParent, 'picked-by-browse')
  mkdirSync(target)
  await page.goto(app.url)

  await page.getByRole('button', { name: 'Add destination' }).click()
  const form = page.getByRole('dialog', { name: 'Add a destination' })
  await form.getByLabel('Kind').selectOption('folder')
  await form.getByRole('button', { name: 'Browse…' }).click()

  const picker = page.getByRole('dialog', { name: 'Choose a folder' })
  await expect(picker.getByTestId('picker-path')).toHaveText('Places you may use')
  await expect(picker.getByRole('button', { name: 'Choose' })).toBeDisabled()
  // The library's parent folder is one of the places offered; the folder made there is listed in it.
  await picker.getByRole('button', { name: libraryParent, exact: true }).click()
  await expect(picker.getByTestId('picker-path')).toHaveText(libraryParent)
  await expect(picker.getByRole('button', { name: 'library', exact: true })).toBeVisible()
  await picker.getByRole('button', { name: 'picked-by-browse', exact: true }).click()
  await expect(picker.getByTestId('picker-path')).toHaveText(target)
  // Up goes back one folder.
  await picker.getByRole('button', { name: 'Up' }).click()
  await expect(picker.getByTestId('picker-path')).toHaveText(libraryParent)
  await picker.getByRole('button', { name: 'picked-by-browse', exact: true }).click()
  await expect(picker.getByTestId('picker-path')).toHaveText(target)
  await picker.getByRole('button', { name: 'Choose' }).click()

  await expect(picker).toHaveCount(0)
  await expect(form).toBeVisible() // the form stays open, filled in
  await expect(form.getByLabel('Folder', { exact: true })).toHaveValue(target)
  // Opened again, the picker starts at the field's folder.
  await form.getByRole('button', { name: 'Browse…' }).click()
  await expect(picker.getByTestId('picker-path')).toHaveText(target)
  await page.keyboard.press('Escape')
  await expect(picker).toHaveCount(0)
  await expect(form).toBeVisible()
})
