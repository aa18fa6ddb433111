/**
 * The headless server's token flow in a real browser: the link `cradle serve` prints carries the
 * token in the fragment; the window keeps it and sends it in a header (no cookie is ever set);
 * without it the window says what to do.
 * Specific to the HTTP server, so it starts one itself rather than through fixtures/app.ts.
 */
import { test as base, expect } from '@playwright/test'
import { startHttpServer, type HttpServerHandle } from '../../../src/main/headless/http/server.js'
import { ScriptedEngine } from '../../fakes/scripted-engine.js'

const test = base.extend<{ server: HttpServerHandle }>({
  server: async ({}, use) => {
    const engine = new ScriptedEngine({ attached: true, settings: { autoRunOnConnect: false } })
    const server = await startHttpServer({ handler: engine, port: 0, staticDir: process.env.CRADLE_E2E_RENDERER! })
    await use(server)
    await server.close()
    engine.stop()
  },
})

test('the access link works once and is remembered; without it the window says how to get in', async ({ browser, page, server }) => {
  await page.goto(server.accessUrl)
  await expect(page.getByRole('heading', { name: "Anna's iPhone" })).toBeVisible()
  expect(new URL(page.url()).hash).toBe('') // the token does not stay in the address bar
  await page.getByRole('button', { name: 'Back up now', exact: true }).click()
  await expect(page.getByRole('progressbar', { name: 'Photos and videos safe' })).toBeVisible()

  await page.goto(server.url) // later visits: the stored token is used
  await expect(page.getByRole('heading', { name: "Anna's iPhone" })).toBeVisible()

  // No cookie: cookies ignore ports, so one would reach every other service on this host.
  expect(await page.context().cookies()).toEqual([])

  // A browser without the token (another profile) is told how to get in.
  const stranger = await browser.newContext()
  try {
    const other = await stranger.newPage()
    await other.goto(server.url)
    await expect(other.getByRole('alert')).toContainText('This Cradle needs its access link. Open the link that cradle serve printed when it started (it ends in #token=…), or run cradle open.')
    await expect(other.getByRole('heading', { name: "Anna's iPhone" })).toHaveCount(0)
  } finally {
    await stranger.close()
  }
})
