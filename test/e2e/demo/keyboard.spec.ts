/**
 * Keyboard use of the real window against `cradle demo`: visible focus, Tab order, dialogs that
 * keep focus and give it back, and settings validated before the engine saves them.
 */
import { expect, test } from '../fixtures/app.js'

test('keyboard: visible focus, Tab order, Esc closes dialogs and focus returns', async ({ page, cradle }) => {
  const app = await cradle.start({ attached: true, autoRun: false, settings: { importOnlyOnPower: true } })
  await page.goto(app.url)
  await expect(page.getByRole('button', { name: 'Back up now', exact: true })).toBeEnabled()

  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Pause all' })).toBeFocused()
  await page.keyboard.press('Tab')
  const settings = page.getByRole('button', { name: 'Settings' })
  await expect(settings).toBeFocused()
  const outline = await settings.evaluate((el) => getComputedStyle(el).outlineStyle)
  expect(outline).toBe('solid')
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
  await expect(dialog.getByLabel('Only while the iPhone is charging')).toBeChecked()
  await dialog.getByLabel('Only while the iPhone is charging').uncheck()
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog).toHaveCount(0)
  // The engine saved them, and the window shows what it saved.
  expect((await app.state()).settings).toMatchObject({ layout: '{YYYY}/{MM}', importOnlyOnPower: false })
  await settings.click()
  await expect(dialog.getByLabel('Folder layout')).toHaveValue('{YYYY}/{MM}')
  await expect(dialog.getByLabel('Only while the iPhone is charging')).not.toBeChecked()
})
