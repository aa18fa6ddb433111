/**
 * What other backup tools show, against `cradle demo`: each destination's upload progress as
 * "x of y", the library's space used and free, and "Back up now" with nothing new on the phone saying so
 * instead of seeming to do nothing.
 */
import { expect, test } from '../fixtures/app.js'

test('a destination counts "x of y" while it uploads; the library shows space used and free; "Back up now" with nothing new says so', async ({ page, cradle }) => {
  // Uploads held to 2 MB/s, so the destination is seen mid-way.
  const app = await cradle.start({ photos: 12, attached: true, settings: { uploadLimitMBps: 2 } })
  await app.addFolderDestination('Backup disk')
  await page.goto(app.url)
  const row = page.getByRole('listitem', { name: 'Backup disk' })
  await expect(row).toContainText(/Uploading \d+ of \d+/, { timeout: 60_000 })
  const [, done, all] = /Uploading (\d+) of (\d+)/.exec((await row.textContent())!)!.map(Number)
  expect(done).toBeLessThan(all!)
  const card = page.getByRole('article', { name: app.phoneName })
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  await expect(row).toContainText(`Ready · ${app.truth.photosOnPhone - app.truth.notOnPhone} uploaded`, { timeout: 60_000 })
  // The library says how much it holds and how much room is left on its disk.
  await expect(page.getByTestId('library-space')).toHaveText(/^[\d.,]+ (KB|MB) used · [\d.,]+ (MB|GB|TB) free$/)
  // The automatic run found new photos: nothing to say. Asked again, there is nothing new, and the card says so.
  await expect(card.getByTestId('device-nothing-new')).toHaveCount(0)
  await page.getByRole('button', { name: 'Back up now', exact: true }).click()
  await expect(card.getByTestId('device-nothing-new')).toHaveText('Nothing new on the phone.')
  await expect(card.getByTestId('device-status')).toHaveText(/^Backed up/)
})
