import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures/app.js'
import { screenshot, watchCsp } from './fixtures/page-helpers.js'

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

for (const scheme of ['light', 'dark'] as const) {
  test(`no serious or critical axe violations in the main states (${scheme})`, async ({ page, cradle }) => {
    await page.emulateMedia({ colorScheme: scheme })
    const app = await cradle.start({ photos: 400, slow: true, queueRows: 500, trust: 'pending' })
    const csp = watchCsp(page)
    await page.goto(app.url)
    // Dark differs only in colours: it checks the busiest states, light checks them all.
    const all = scheme === 'light'
    await expect(page.getByText('Connect your iPhone with a cable. Cradle starts by itself.')).toBeVisible()
    if (all) expect(await seriousViolations(page), 'empty').toEqual([])

    await app.phone.attach()
    await expect(page.getByTestId('device-instruction')).toBeVisible()
    if (all) expect(await seriousViolations(page), 'needs trust').toEqual([])

    await app.phone.trust()
    await expect(page.getByRole('progressbar', { name: 'Items backed up' })).toBeVisible()
    await app.failDestination('Immich', 'destination-unreachable')
    await expect(page.getByRole('listitem', { name: 'Immich' })).toContainText('Stopped')
    expect(await seriousViolations(page), 'backing up').toEqual([])
    await screenshot(page, `backing-up-${scheme}`)

    await page.getByRole('button', { name: 'Settings' }).click()
    await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible()
    expect(await seriousViolations(page), 'settings').toEqual([])
    await screenshot(page, `settings-${scheme}`)
    await page.keyboard.press('Escape')

    if (all) {
      await page.getByRole('button', { name: 'Add destination' }).click()
      await page.getByRole('dialog', { name: 'Add a destination' }).getByRole('button', { name: 'Save' }).click()
      await expect(page.getByText('Server address is required')).toBeVisible()
      expect(await seriousViolations(page), 'add destination with errors').toEqual([])
    }
    expect(csp).toEqual([])
  })
}

test('keyboard: visible focus, Tab order, Esc closes dialogs and focus returns', async ({ page, cradle }) => {
  const app = await cradle.start({ attached: true, autoRun: false })
  await page.goto(app.url)
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeEnabled()

  await page.keyboard.press('Tab')
  const settings = page.getByRole('button', { name: 'Settings' })
  await expect(settings).toBeFocused()
  const outline = await settings.evaluate((el) => getComputedStyle(el).outlineStyle)
  expect(outline).toBe('solid')
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Pause' })).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeFocused()

  await settings.focus()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Settings' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByLabel('Library folder')).toBeFocused()
  // Tab stays inside the dialog.
  for (let i = 0; i < 12; i++) await page.keyboard.press('Tab')
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true)
  await page.keyboard.press('Escape')
  await expect(dialog).toHaveCount(0)
  await expect(settings).toBeFocused()

  // Settings are validated before saving.
  await page.keyboard.press('Enter')
  await dialog.getByLabel('Folder layout').fill('{YYYY}/../x')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog.getByText('Folder layout must not contain empty, "." or ".." folders')).toBeVisible()
  await dialog.getByLabel('Folder layout').fill('{YYYY}/{MM}')
  await dialog.getByLabel('Only while the iPhone is charging').uncheck()
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog).toHaveCount(0)
  await settings.click()
  await expect(dialog.getByLabel('Folder layout')).toHaveValue('{YYYY}/{MM}')
  await expect(dialog.getByLabel('Only while the iPhone is charging')).not.toBeChecked()
})
