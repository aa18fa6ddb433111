/** The virtualised queue with 50,000 rows: a state the scripted engine makes at once (the demo would import for minutes). */
import { expect, test } from '../fixtures/app.js'

test('50,000 queue items: the list stays windowed, scrolls to the end, filters and searches', async ({ page, cradle }) => {
  const app = await cradle.start({ queueRows: 50_000 })
  await page.goto(app.url)
  const list = page.getByRole('list', { name: 'Queue items' })
  await expect(page.locator('.queue-total')).toHaveText('50,000 photos and videos')
  await expect(list.getByRole('listitem').first()).toContainText('IMG_0001.HEIC')
  const rendered = await list.getByRole('listitem').count()
  expect(rendered).toBeLessThan(60) // windowed: a screenful plus a few, never 50,000

  await list.evaluate((el) => (el.scrollTop = el.scrollHeight))
  const last = list.locator('[aria-posinset="50000"]')
  await expect(last).toHaveAttribute('data-row-loaded', '')
  await expect(last).toHaveAttribute('aria-setsize', '50000')

  await page.getByRole('searchbox', { name: 'Search file names' }).fill('IMG_E0041')
  await expect(page.locator('.queue-total')).toHaveText('5 photos and videos')
  await expect(list.getByRole('listitem').first()).toContainText('IMG_E0041')
  await page.getByRole('searchbox', { name: 'Search file names' }).fill('')
  await expect(page.locator('.queue-total')).toHaveText('50,000 photos and videos')

  await page.getByRole('button', { name: 'Failed 0' }).click()
  await expect(page.getByText('Nothing here.')).toBeVisible()
  await expect(list.getByRole('listitem')).toHaveCount(0)
})
