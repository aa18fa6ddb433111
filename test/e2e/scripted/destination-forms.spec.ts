/**
 * Destination forms in the window against the scripted engine: validation before saving, the
 * test button, removal, and the Google Photos sign-in popup (the consent page is stubbed: Google
 * cannot be reached from the test machine). The failing-destination scenarios run against the
 * demo (test/e2e/demo/destinations.spec.ts).
 */
import { expect, test } from '../fixtures/app.js'
import { screenshot } from '../fixtures/page-helpers.js'

test('adding a destination validates the form before saving', async ({ page, cradle }) => {
  const app = await cradle.start()
  await page.goto(app.url)
  await page.getByRole('button', { name: 'Add destination' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a destination' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByLabel('Kind')).toBeFocused()

  await dialog.getByLabel('Name').fill('Home Immich')
  await dialog.getByLabel('Server address').fill('photos.home.lan')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog.getByText('Server address is not a valid address')).toBeVisible()
  await expect(dialog.getByLabel('Server address')).toHaveAttribute('aria-invalid', 'true')
  await expect(dialog.getByLabel('Server address')).toBeFocused()

  await dialog.getByLabel('Server address').fill('https://photos.home.lan')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog.getByText('API key is required', { exact: true })).toBeVisible()
  await dialog.getByLabel('API key').fill('k3y')
  await dialog.getByRole('button', { name: 'Test connection' }).click()
  // The answer names the destination (reachable or not: the scripted engine says yes, a real one may not).
  await expect(dialog.getByTestId('test-result')).toContainText('Home Immich')
  await screenshot(page, 'add-destination')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog).toHaveCount(0)
  const row = page.getByRole('listitem', { name: 'Home Immich' })
  await expect(row).toContainText('Immich · photos.home.lan')
  await expect(row).toContainText('Ready')

  await row.getByRole('button', { name: 'Remove Home Immich' }).click()
  const confirm = page.getByRole('dialog', { name: 'Remove Home Immich?' })
  await confirm.getByRole('button', { name: 'Remove' }).click()
  await expect(row).toHaveCount(0)
})

test('Google Photos: the sign-in button opens the consent page and the row becomes ready', async ({ page, cradle, context }) => {
  const app = await cradle.start()
  await context.route('https://accounts.google.com/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>Sign in</title>' }))
  await page.goto(app.url)
  await page.getByRole('button', { name: 'Add destination' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a destination' })
  await dialog.getByLabel('Kind').selectOption('google-photos')
  // Cradle ships no OAuth client: the form walks the user through making one, linked to Google Cloud.
  const guide = dialog.getByRole('region', { name: 'Setting up Google Photos' })
  await expect(guide.getByRole('listitem')).toHaveCount(5)
  await expect(guide.getByRole('link', { name: 'Photos Library API' })).toHaveAttribute('href', 'https://console.cloud.google.com/apis/library/photoslibrary.googleapis.com')
  await expect(guide).toContainText('Desktop app')
  await expect(guide).toContainText('every 7 days')
  await expect(dialog).not.toContainText('Cradle’s own')
  await dialog.getByLabel('Name').fill('Google Photos')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog.getByText('OAuth client ID is required', { exact: true })).toBeVisible()
  await dialog.getByLabel('OAuth client ID').fill('1234-abc.apps.googleusercontent.com')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog.getByText('OAuth client secret is required', { exact: true })).toBeVisible()
  await dialog.getByLabel('OAuth client secret').fill('GOCSPX-test')
  await screenshot(page, 'add-google-photos')
  const popup = page.waitForEvent('popup')
  await dialog.getByRole('button', { name: 'Save' }).click()
  const consent = await popup
  expect(consent.url()).toContain('https://accounts.google.com/o/oauth2/v2/auth')
  await consent.close()
  const row = page.getByRole('listitem', { name: 'Google Photos' })
  await expect(row).toContainText('Ready')
  await expect(row.getByRole('button', { name: 'Sign in to Google Photos' })).toHaveCount(0)
})
