/**
 * Accessibility (axe with Playwright) on the main states of the real window against `cradle demo`:
 * no serious or critical violations, in light and dark. Dark differs only in colours: it checks the
 * busiest states, light checks them all. Screenshots of each state go to test/e2e/screenshots.
 */
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures/app.js'
import { screenshot, watchCsp } from '../fixtures/page-helpers.js'

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

for (const scheme of ['light', 'dark'] as const) {
  test(`no serious or critical axe violations in the main states (${scheme})`, async ({ page, cradle }) => {
    await page.emulateMedia({ colorScheme: scheme })
    const app = await cradle.start({ photos: 40, slow: true, trust: 'pending', notOnPhone: 2 })
    const csp = watchCsp(page)
    await page.goto(app.url)
    const all = scheme === 'light'
    await expect(page.getByText('Connect your iPhone with a cable. Cradle starts by itself.')).toBeVisible()
    if (all) expect(await seriousViolations(page), 'empty').toEqual([])

    await app.phone.attach()
    await expect(page.getByTestId('device-instruction')).toBeVisible()
    if (all) expect(await seriousViolations(page), 'needs trust').toEqual([])

    // Backing up, with one destination waiting to retry and one stopped: every tone on screen.
    await app.failDestination('Home Immich', 'destination-unreachable')
    await app.failDestination('NAS', 'destination-config')
    await app.phone.trust()
    await expect(page.getByRole('progressbar', { name: 'Photos and videos safe' })).toBeVisible()
    await expect(page.getByRole('listitem', { name: 'NAS' })).toContainText('Stopped')
    await expect(page.getByRole('listitem', { name: 'Home Immich' })).toContainText('Waiting')
    expect(await seriousViolations(page), 'backing up').toEqual([])
    await screenshot(page, `backing-up-${scheme}`)
    await expect(page.getByRole('progressbar', { name: 'Photos and videos safe' }), 'still backing up when checked').toBeVisible({ timeout: 1 })

    await page.getByRole('button', { name: 'Settings' }).click()
    await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible()
    expect(await seriousViolations(page), 'settings').toEqual([])
    await screenshot(page, `settings-${scheme}`)
    await page.keyboard.press('Escape')

    if (all) {
      await page.getByRole('button', { name: 'Add destination' }).click()
      const dialog = page.getByRole('dialog', { name: 'Add a destination' })
      await dialog.getByRole('button', { name: 'Save' }).click()
      await expect(page.getByText('Server address is required')).toBeVisible()
      expect(await seriousViolations(page), 'add destination with errors').toEqual([])
      await screenshot(page, 'add-destination-errors')
      await page.keyboard.press('Escape')
      await expect(dialog).toHaveCount(0)
    }

    await expect(page.getByRole('article', { name: app.phoneName }).getByTestId('device-status')).toHaveText(/^Backed up/, { timeout: 60_000 })
    expect(await seriousViolations(page), 'done').toEqual([])
    await screenshot(page, `done-${scheme}`)
    expect(csp).toEqual([])
  })
}
