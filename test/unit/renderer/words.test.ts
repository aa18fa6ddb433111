import { describe, expect, it } from 'vitest'
import { completenessSentence, deviceStatus, lastBackupSentence, libraryMismatches, notOnPhoneSentence, photosOnPhoneSentence, unreadableSentence } from '../../../src/renderer/words.js'
import { toWireError } from '../../../src/shared/error-text.js'
import { defaultSettings } from '../../../src/shared/settings.js'
import type { SessionPhase } from '../../../src/shared/state.js'
import { buildDevice } from '../../fakes/app-state-builder.js'

const settings = { ...defaultSettings('/p'), minBatteryPercent: 30 }

describe('device card words per phase', () => {
  const say = (phase: SessionPhase, over = {}) => deviceStatus(buildDevice({ phase, ...over }), settings)

  it('uses the exact words of ui.md for the states that need the person', () => {
    expect(say('needs-unlock').instruction).toBe('Unlock your iPhone to continue.')
    expect(say('needs-trust')).toEqual({ text: "Waiting for Trust on Anna's iPhone", instruction: 'Tap Trust on your iPhone, then enter its passcode.', tone: 'attention' })
    expect(say('trust-denied').instruction).toBe('Unplug it and plug it in again to be asked again.')
    expect(say('waiting-power').text).toBe("Waiting for power — this port isn't charging your iPhone.")
  })

  it('has a line for every phase', () => {
    const phases: SessionPhase[] = ['connecting', 'needs-unlock', 'needs-trust', 'trust-denied', 'waiting-power', 'waiting-battery', 'ready', 'scanning', 'importing', 'paused', 'done', 'error', 'disconnected']
    for (const phase of phases) expect(say(phase).text.length, phase).toBeGreaterThan(5)
  })

  it('says the battery goal and level', () => {
    expect(say('waiting-battery', { battery: { level: 12, charging: true, externalPower: true } }).text).toBe('Waiting for the battery to reach 30 % (now 12 %).')
  })

  it('shows an interrupted backup with its next step', () => {
    const s = say('disconnected', { connected: false, problem: toWireError('device-unplugged', { deviceName: "Anna's iPhone" }) })
    expect(s).toEqual({ text: "Anna's iPhone was unplugged", instruction: 'Plug it in again; the backup continues where it stopped.', tone: 'attention' })
    expect(say('disconnected', { connected: false })).toMatchObject({ text: 'Not connected.', instruction: null })
  })

  it('shows an error problem with what to do', () => {
    const s = say('error', { problem: toWireError('device-timeout', { deviceName: "Anna's iPhone" }) })
    expect(s).toEqual({ text: "Anna's iPhone stopped answering", instruction: 'Unplug it and plug it in again.', tone: 'error' })
  })

  // Counted as the Photos app counts: photos and videos (a Live Photo is one), from DeviceView.photos.
  const photos = (onPhone: number, safe: number, inICloudOnly = 0, unreadable = 0) => ({ photos: { onPhone, safe, inICloudOnly, unreadable, inRecentlyDeleted: 0 } })

  it('is plain about what is done', () => {
    expect(say('done', photos(10, 10)).text).toBe('Backed up: everything on this iPhone is safe.')
    // In iCloud only is not safe anywhere yet: never "everything is safe", and not green.
    expect(say('done', photos(10, 6, 4))).toMatchObject({ text: 'Backed up, except 4 photos and videos in iCloud only.', tone: 'attention' })
    // Files are not what it counts: 14 files (Live Photos) that make 10 photos, all safe.
    expect(say('done', { itemsOnPhone: 14, itemsSafe: 12, ...photos(10, 10) }).text).toBe('Backed up: everything on this iPhone is safe.')
  })

  it('never says everything is safe while files could not be read, or are not safe for another reason', () => {
    const s = say('done', photos(10, 5, 2, 3))
    expect(s).toEqual({ text: "Backed up, except 3 photos and videos Cradle couldn't read.", instruction: null, tone: 'attention' })
    expect(say('done', photos(10, 9, 0, 1)).text).toBe("Backed up, except 1 photo or video Cradle couldn't read.")
    expect(say('done', photos(10, 8, 1))).toMatchObject({ text: 'Backed up, except 1 photo or video that is not safe yet.', tone: 'attention' })
  })

  it('says "First backup in progress" while the first backup runs, never "Not backed up yet" above its progress bar', () => {
    const when = (at: number) => `at ${at}`
    expect(lastBackupSentence(buildDevice({ phase: 'importing', lastBackupAt: null }), when)).toBe('First backup in progress')
    expect(lastBackupSentence(buildDevice({ phase: 'scanning', lastBackupAt: null }), when)).toBe('First backup in progress')
    expect(lastBackupSentence(buildDevice({ phase: 'ready', lastBackupAt: null }), when)).toBe('Not backed up yet')
    expect(lastBackupSentence(buildDevice({ phase: 'importing', lastBackupAt: 5 }), when)).toBe('Last backup at 5')
  })

  it('gives the card one count, in photos and videos', () => {
    expect(photosOnPhoneSentence(buildDevice({ itemsOnPhone: 14, itemsSafe: 3, ...photos(10, 2) }))).toBe('10 photos and videos on this iPhone · 2 safe')
    expect(photosOnPhoneSentence(buildDevice({ itemsOnPhone: null, itemsSafe: null, photos: null }))).toBeNull()
  })
})

describe("couldn't read", () => {
  it('says how many the iPhone refused, apart from iCloud-only ones, and nothing when none', () => {
    expect(unreadableSentence(0)).toBeNull()
    expect(unreadableSentence(1)).toBe("Couldn't read 1 photo or video from this iPhone. Cradle tries it again the next time it's connected.")
    expect(unreadableSentence(1234)).toBe("Couldn't read 1,234 photos and videos from this iPhone. Cradle tries them again the next time it's connected.")
  })
})

describe('in iCloud only', () => {
  it('uses the sentence of ui.md, singular and plural', () => {
    expect(notOnPhoneSentence(41)).toBe("41 photos and videos are in iCloud only (Optimize iPhone Storage). They'll be backed up when the iPhone downloads them.")
    expect(notOnPhoneSentence(1)).toBe("1 photo or video is in iCloud only (Optimize iPhone Storage). They'll be backed up when the iPhone downloads them.")
    expect(notOnPhoneSentence(1234)).toMatch(/^1,234 photos and videos are/)
    expect(notOnPhoneSentence(0)).toBeNull()
  })
})

describe('what does not add up between the files and the Photos library', () => {
  it('lists the first names and says how many, both ways', () => {
    const v = {
      available: true, note: null, photosOnPhone: 3, videosOnPhone: 1, photosSafe: 3, videosSafe: 1, inICloudOnly: 0, inRecentlyDeletedNotCopied: 0,
      unknownFiles: ['/DCIM/100APPLE/IMG_0009.PNG', '/DCIM/100APPLE/odd name.JPG'], unknownFileCount: 3, missingFiles: ['/DCIM/100APPLE/IMG_0004.HEIC'], missingFileCount: 1,
    }
    expect(libraryMismatches(v)).toEqual([
      { summary: '3 files in DCIM that Photos does not list (backed up too)', paths: ['DCIM/100APPLE/IMG_0009.PNG', 'DCIM/100APPLE/odd name.JPG'], more: 1 },
      { summary: '1 original Photos lists that the iPhone did not show, so not backed up', paths: ['DCIM/100APPLE/IMG_0004.HEIC'], more: 0 },
    ])
    expect(libraryMismatches({ ...v, unknownFileCount: 0, missingFileCount: 0 })).toEqual([])
    expect(libraryMismatches(null)).toEqual([])
  })
})

describe('completeness from the Photos library', () => {
  const v = {
    available: true, note: null, photosOnPhone: 3, videosOnPhone: 1, photosSafe: 3, videosSafe: 1, inICloudOnly: 0,
    inRecentlyDeletedNotCopied: 0, unknownFiles: [], unknownFileCount: 0, missingFiles: [], missingFileCount: 0,
  }
  it('says all are safe only when every one is, and never for a library it could not read', () => {
    expect(completenessSentence(v)).toBe('All 4 photos and videos are safe')
    expect(completenessSentence({ ...v, photosSafe: 2, inICloudOnly: 1 })).toBe('3 of 4 photos and videos are safe · 1 in iCloud only')
    expect(completenessSentence({ ...v, available: false })).toBeNull()
    expect(completenessSentence(null)).toBeNull()
  })
})
