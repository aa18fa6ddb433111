/**
 * Layout against `cradle demo` with three destinations, at 1,600 px and at 400 px: the content uses
 * the window's width, every row's name and its places line are shown whole (they wrap or stack,
 * never cut off), and nothing sticks out of the window.
 */
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures/app.js'
import { screenshot } from '../fixtures/page-helpers.js'

/** Elements whose text is cut off (content wider or taller than the box) or that end outside the window. */
async function clipped(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((els) => {
    const width = document.documentElement.clientWidth
    const bad: string[] = []
    for (const el of els as HTMLElement[]) {
      const box = el.getBoundingClientRect()
      if (box.width === 0 && box.height === 0) continue // not laid out (e.g. a placeholder's empty cell)
      const what = `${el.className} "${(el.textContent ?? '').slice(0, 40)}"`
      if (box.left < 0 || box.right > width + 0.5) bad.push(`${what}: ${Math.round(box.left)}–${Math.round(box.right)} px in a ${width} px window`)
      // A name longer than any row (the roll's 243-byte one, now that rows are photos it is on the
      // first screen) ends in an ellipsis, whole in its title; any other cut-off text is a fault.
      const ellipsised = el.classList.contains('row-name') && getComputedStyle(el).textOverflow === 'ellipsis' && (el.title ?? '').startsWith(el.textContent ?? '') && el.scrollWidth > 2 * el.clientWidth
      if (el.scrollWidth > el.clientWidth + 1 && !ellipsised) bad.push(`${what}: ${el.scrollWidth} px of text in ${el.clientWidth} px`)
      if (el.scrollHeight > el.clientHeight + 1) bad.push(`${what}: ${el.scrollHeight} px tall in ${el.clientHeight} px`)
      // Cut off by its row (rows have a fixed height and hide what overflows).
      const row = el.parentElement?.closest('.row, .destination')?.getBoundingClientRect()
      if (row && (box.top < row.top - 0.5 || box.bottom > row.bottom + 0.5 || box.right > row.right + 0.5)) bad.push(`${what}: outside its row`)
    }
    return bad
  })
}

const CHECKED = ['.row-name', '.row-import', '.row-uploads', '.dest-name', '.dest-state', '.dest-actions', '.filters', '.panel-head'].join(', ')

test('three destinations: chips wrap and the content uses the width at 1,600 px; at 400 px rows stack name over status', async ({ page, cradle }) => {
  const app = await cradle.start({ photos: 12, attached: true })
  for (const name of ['Backup disk in the basement', 'Second copy at the office', 'Third copy on the NAS']) await app.addFolderDestination(name)
  await page.setViewportSize({ width: 1600, height: 1000 })
  await page.goto(app.url)
  await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
  const list = page.getByRole('list', { name: 'Queue items' })
  const firstRow = list.getByRole('listitem').first()
  // The row's places line names all four places: the library and the three destinations.
  await expect(firstRow.getByTestId('item-places')).toContainText('Third copy on the NAS', { timeout: 60_000 })

  // Wide: no fixed column in the middle of the window.
  const main = await page.locator('main').boundingBox()
  expect(main!.width).toBeGreaterThan(1600 * 0.85)
  expect(await clipped(page, CHECKED)).toEqual([])
  await screenshot(page, 'layout-1600')

  // Narrow: each row stacks its name over its status, both whole and visible.
  await page.setViewportSize({ width: 400, height: 900 })
  await expect(firstRow.getByTestId('item-places')).toBeVisible()
  const name = await firstRow.locator('.row-name').boundingBox()
  const status = await firstRow.locator('.row-import').boundingBox()
  expect(status!.y).toBeGreaterThanOrEqual(name!.y + name!.height - 1)
  expect(await clipped(page, CHECKED)).toEqual([])
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400)
  await screenshot(page, 'layout-400')
})
