import { describe, expect, it } from 'vitest'
import { toWireError } from '../../../src/shared/error-text.js'
import type { AppState } from '../../../src/shared/state.js'
import { createNotificationGate } from '../../../src/main/notifications/notification-gate.js'
import { COOLDOWN, notificationsFor, type ShellNotification } from '../../../src/main/notifications/notification-rules.js'
import { LOCALE, NOW, appState, destination, device, historyEntry } from './state-fixture.js'

/** Runs a sequence of snapshots through rules + gate, like main.ts does; returns what was shown. */
function play(states: { at: number; state: AppState; focused?: boolean }[]): ShellNotification[] {
  const gate = createNotificationGate()
  const shown: ShellNotification[] = []
  let prev: AppState | null = null
  for (const { at, state, focused } of states) {
    for (const n of notificationsFor(prev, state, 'linux', LOCALE)) if (gate.admit(n.key, n.cooldownMs, at, focused ?? false)) shown.push(n)
    prev = state
  }
  return shown
}

describe('notification rules', () => {
  it('a finished backup says how many photos are safe', () => {
    const before = appState({ history: [] })
    const after = appState({ seq: 2, history: [historyEntry({ id: 'h-2', imported: 41, photosImported: 41 })] })
    expect(notificationsFor(before, after, 'linux', LOCALE)).toEqual([
      { key: 'finished:00008110-000A1B2C3D4E5F60', title: 'Backup finished', body: "41 photos and videos from Anna's iPhone are safe.", cooldownMs: COOLDOWN.finished },
    ])
  })

  it('counts photos and videos, not files: a Live Photo (still + video) and an edit (render + .AAE) are one each', () => {
    const live = notificationsFor(appState(), appState({ history: [historyEntry({ id: 'l', imported: 2, photosImported: 1 })] }), 'linux', LOCALE)
    expect(live[0]).toMatchObject({ title: 'Backup finished', body: "1 photo or video from Anna's iPhone is safe." })
    const both = notificationsFor(appState(), appState({ history: [historyEntry({ id: 'm', imported: 4, failed: 1, photosImported: 2, photosNotBackedUp: 1 })] }), 'linux', LOCALE)
    expect(both[0]?.body).toBe("2 photos and videos from Anna's iPhone are safe. 1 could not be backed up.")
  })

  it('mentions failures, and says so when nothing could be saved', () => {
    const with2 = notificationsFor(appState(), appState({ history: [historyEntry({ id: 'x', imported: 1, failed: 2, photosImported: 1, photosNotBackedUp: 2 })] }), 'linux', LOCALE)
    expect(with2[0]?.body).toBe("1 photo or video from Anna's iPhone is safe. 2 could not be backed up.")
    const none = notificationsFor(appState(), appState({ history: [historyEntry({ id: 'y', imported: 0, failed: 3, photosImported: 0, photosNotBackedUp: 3 })] }), 'linux', LOCALE)
    expect(none[0]).toMatchObject({ title: 'Backup finished with problems', body: "3 photos and videos from Anna's iPhone could not be backed up. Open Cradle to retry." })

  })

  it('files the phone refused ("couldn\'t read") are not safe: never a plain "Backup finished"', () => {
    const some = notificationsFor(appState(), appState({ history: [historyEntry({ id: 'u', imported: 5, unreadable: 2, photosImported: 5, photosNotBackedUp: 2 })] }), 'linux', LOCALE)
    expect(some[0]).toMatchObject({ title: 'Backup finished with problems', body: "5 photos and videos from Anna's iPhone are safe. 2 could not be backed up." })
    const only = notificationsFor(appState(), appState({ history: [historyEntry({ id: 'v', imported: 0, unreadable: 1, photosImported: 0, photosNotBackedUp: 1 })] }), 'linux', LOCALE)
    expect(only[0]).toMatchObject({ title: 'Backup finished with problems', body: "1 photo or video from Anna's iPhone could not be backed up. Open Cradle to retry." })
  })

  it('stays quiet for a run with nothing new, for uploads, for runs that ended on an error, and for old history', () => {
    const quiet = [
      historyEntry({ id: 'a', imported: 0, failed: 0, photosImported: 0, photosNotBackedUp: 0 }),
      historyEntry({ id: 'b', kind: 'upload' }),
      historyEntry({ id: 'c', error: toWireError('device-unplugged') }),
    ]
    expect(notificationsFor(appState(), appState({ history: quiet }), 'linux')).toEqual([])
    expect(notificationsFor(null, appState({ history: [historyEntry()] }), 'linux')).toEqual([])
  })

  it('the phone needs unlock or Trust: once, on the change', () => {
    const locked = appState({ devices: [device({ phase: 'needs-unlock' })] })
    const [n] = notificationsFor(appState(), locked, 'linux')
    expect(n).toMatchObject({ title: "Anna's iPhone is locked", body: 'Unlock your iPhone to continue.' })
    expect(notificationsFor(locked, { ...locked, seq: 2 }, 'linux')).toEqual([]) // still locked: nothing new
    const trust = appState({ devices: [device({ phase: 'needs-trust' })] })
    expect(notificationsFor(locked, trust, 'linux')[0]).toMatchObject({ body: 'Tap Trust on your iPhone, then enter its passcode.' })
  })

  it('a destination that needs sign-in, and the disk full', () => {
    const signIn = appState({ destinations: [destination({ status: 'needs-sign-in' })] })
    expect(notificationsFor(appState(), signIn, 'linux')).toEqual([
      { key: 'sign-in:immich-1', title: 'Immich needs you to sign in again', body: 'Sign in again.', cooldownMs: COOLDOWN.signIn },
    ])
    const full = appState({ problems: [toWireError('disk-full', { freeBytes: 0, totalBytes: 512e9 })] })
    expect(notificationsFor(appState(), full, 'linux')).toEqual([
      { key: 'disk-full', title: 'The library disk is full (0 bytes free of 512 GB)', body: 'Nothing was lost; backup resumes when there is space.', cooldownMs: COOLDOWN.diskFull },
    ])
    expect(notificationsFor(full, { ...full, seq: 2 }, 'linux')).toEqual([])
  })

  it('problems present at start-up are told once', () => {
    const full = appState({ problems: [toWireError('disk-full')], destinations: [destination({ status: 'needs-sign-in' })] })
    expect(notificationsFor(null, full, 'linux').map((n) => n.key)).toEqual(['sign-in:immich-1', 'disk-full'])
  })
})

describe('not more often than useful', () => {
  const locked = appState({ devices: [device({ phase: 'needs-unlock' })] })
  const ready = appState({ devices: [device({ phase: 'ready' })] })

  it('a phone that locks and unlocks every few seconds is told once per cooldown', () => {
    const shown = play([0, 1, 2, 3, 4, 5].map((i) => ({ at: NOW + i * 10_000, state: i % 2 === 0 ? locked : ready })))
    expect(shown).toHaveLength(1)
    const later = play([
      { at: NOW, state: ready }, { at: NOW + 1, state: locked }, { at: NOW + 2, state: ready },
      { at: NOW + COOLDOWN.phone + 3, state: locked },
    ])
    expect(later).toHaveLength(2)
  })

  it('no more than three in a minute, whatever happens', () => {
    const gate = createNotificationGate()
    const admitted = Array.from({ length: 10 }, (_, i) => gate.admit(`k${i}`, 0, NOW + i, false)).filter(Boolean)
    expect(admitted).toHaveLength(3)
    expect(gate.admit('k-late', 0, NOW + 60_001, false)).toBe(true)
  })

  it('nothing while the window is in front', () => {
    expect(play([{ at: NOW, state: ready }, { at: NOW + 1, state: locked, focused: true }])).toEqual([])
  })
})
