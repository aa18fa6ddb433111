/**
 * The safety ledger in the window, against `cradle demo` (real engine, real library, a real folder
 * destination): after a backup and its uploads, the phone's card and the destinations say how many
 * photos there are, in how many places they are safe and how many are only in iCloud; every queue
 * row says where that item is safe ("Library ✓ · NAS ✓"), and the library row says how it was checked.
 */
import { expect, test } from '../fixtures/app.js'
import { screenshot } from '../fixtures/page-helpers.js'

test('where every photo is safe: per phone, in total and per item', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 12, notOnPhone: 2 })
  const { truth } = app
  await page.goto(app.url)
  await app.addFolderDestination('NAS')
  await app.phone.attach()
  const card = page.getByRole('article', { name: app.phoneName })
  await expect(card.getByTestId('device-status')).toHaveText(`Backed up, except ${truth.notOnPhone} photos and videos in iCloud only.`, { timeout: 60_000 })

  // Library and NAS hold everything the phone could give; the iCloud-only items are counted apart.
  const sentence = `${truth.photosOnPhone} photos and videos · safe in 2 places · ${truth.notOnPhone} in iCloud only`
  await expect(card.getByTestId('device-safety')).toHaveText(sentence, { timeout: 60_000 })
  await expect(card.getByTestId('device-places')).toHaveText('Library ✓ · NAS ✓')
  await expect(page.getByTestId('safety-total')).toHaveText(sentence)
  await expect(page.getByTestId('safety-places')).toHaveText('Library ✓ · NAS ✓')
  await expect(page.getByTestId('scrub-line')).toHaveText(/^Checked when imported · next check /)
  // The window says what the engine's ledger says.
  const safety = (await app.state()).safety
  expect(safety.phones).toEqual([expect.objectContaining({ name: app.phoneName, items: truth.photosOnPhone, onlyInICloud: truth.notOnPhone, safeIn: 2 })])

  // Per item: every imported row is safe in both places; an iCloud-only row claims nothing.
  const list = page.getByRole('list', { name: 'Queue items' })
  const rows = list.getByRole('listitem')
  await expect(rows.first()).toBeVisible()
  await expect(rows.filter({ has: page.getByTestId('item-places') }).first()).toBeVisible()
  let checked = 0
  for (const row of await rows.all()) {
    if ((await row.textContent())?.includes('In iCloud only')) {
      await expect(row.getByTestId('item-places')).toHaveCount(0)
      continue
    }
    await expect(row.getByTestId('item-places').locator('[aria-hidden="true"]')).toHaveText('Library ✓ · NAS ✓')
    checked++
  }
  expect(checked).toBeGreaterThan(5)
  await page.getByRole('button', { name: `In iCloud only ${truth.notOnPhone}` }).click()
  await expect(rows).toHaveCount(truth.notOnPhone)
  await expect(rows.getByTestId('item-places')).toHaveCount(0)
  await screenshot(page, 'safety-ledger')
})
