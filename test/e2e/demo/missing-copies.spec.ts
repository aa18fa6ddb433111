/**
 * Copies that did not get there are never hidden (issue 19 item 1), against `cradle demo`: an
 * Immich behind a proxy whose body limit refuses the videos (413, each video failed with the
 * reason), and a folder destination that is a file (stopped, its copies waiting). The Failed and
 * Waiting filters count those uploads and say per destination what they are; the header names
 * every destination some copies are missing from.
 */
import { startFakeImmich, type FakeImmich } from '../../fakes/fake-immich-server.js'
import { expect, test } from '../fixtures/app.js'

let immich: FakeImmich | undefined
test.afterEach(async () => {
  await immich?.close()
  immich = undefined
})

test('Failed and Waiting count uploads per destination; the header names the destinations missing copies', async ({ page, cradle }) => {
  // The demo's photos are ~0.8 MB and its videos ~2 MB: a 1.5 MB limit refuses every video.
  immich = await startFakeImmich({ maxBodyBytes: 1_500_000 })
  const app = await cradle.start({ photos: 20, attached: true })
  await page.goto(app.url)
  await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })

  await app.addImmichDestination('Home Immich', immich.url, 'test-key')
  const immichView = async () => (await app.state()).destinations.find((d) => d.name === 'Home Immich')!
  await expect.poll(async () => (await immichView()).counts.pending, { timeout: 60_000 }).toBe(0)
  const { counts } = await immichView()
  expect(counts.failed).toBeGreaterThan(0)
  expect(counts.done).toBeGreaterThan(0)
  const headline = page.getByTestId('headline')
  await expect(headline).toHaveText(`Home Immich is missing copies — ${counts.failed} not uploaded`)

  // Failed: the photos and videos with a file Immich refused, though every one of them was imported.
  const failedChip = page.getByRole('button', { name: /^Failed \d+$/ })
  await expect(failedChip).toHaveText(`Failed ${(await app.state()).queue.counts.failed}`)
  expect((await app.state()).queue.counts.importFailed).toBe(0)
  await failedChip.click()
  await expect(page.getByTestId('queue-filter-detail')).toHaveText(`${counts.failed} not uploaded to Home Immich`)
  // The queue counts photos and videos, not files.
  const failedPhotos = (await app.state()).queue.counts.failed
  await expect(page.locator('.queue-total')).toHaveText(`${failedPhotos} ${failedPhotos === 1 ? 'photo or video' : 'photos and videos'}`)
  const list = page.getByRole('list', { name: 'Queue items' })
  await expect(list.getByRole('listitem').filter({ hasText: 'Home Immich: failed' }).first()).toBeVisible()

  // History records the batch as it was: what got there and what did not, with the reason, in red.
  const immichLine = page.getByTestId('history').locator('li', { hasText: 'Home Immich' })
  await expect(immichLine).toHaveText(/— Uploaded \d+ photos and videos to Home Immich · \d+ not uploaded: Home Immich refused a file as too large/)
  await expect(immichLine).toHaveAttribute('data-tone', 'now')
  await expect(immichLine.locator('.error')).toHaveText("Raise the server's upload size limit (for example nginx client_max_body_size), then retry.")

  // A Live Photo is one row; opened, it lists its still and its video, each safe in the library and at Immich.
  await page.getByRole('button', { name: 'All', exact: true }).click()
  const open = list.getByRole('button', { name: /^Show the 2 files of .*\.HEIC$/ }).first()
  await expect(open).toHaveText('Live Photo · 2 files')
  await open.click()
  const files = page.getByTestId('queue-files').getByTestId('queue-file')
  await expect(files).toHaveCount(2)
  await expect(files.nth(0)).toContainText(/\.HEIC.*In the library.*Library ✓ · Home Immich ✓/)
  await expect(files.nth(1)).toContainText(/\.MOV.*In the library.*Library ✓ · Home Immich ✓/)

  // A second destination that stops: its copies wait, and the header names both.
  await app.failDestination('NAS', 'destination-config')
  await expect(headline).toHaveText('2 destinations missing copies: Home Immich, NAS')
  await page.getByRole('button', { name: /^Waiting \d+$/ }).click()
  const nas = (await app.state()).destinations.find((d) => d.name === 'NAS')!
  await expect(page.getByTestId('queue-filter-detail')).toHaveText(/waiting for NAS$/)
  await expect(page.getByTestId('queue-filter-detail')).toHaveText(`${nas.counts.pending} waiting for NAS`)
  await expect(page.getByRole('button', { name: /^Waiting \d+$/ })).toHaveText(`Waiting ${(await app.state()).queue.counts.pending}`)
  // The stopped destination's line: nothing got there, every photo waiting is counted, and why.
  await expect(page.getByTestId('history').locator('li', { hasText: 'to NAS' })).toHaveText(/— \d+ not uploaded to NAS: NAS /)
})
