/** One phone: who it is, its battery and connection, what it needs, what is safe, and the run in progress. */
import { formatBytes, formatCount, formatPhotos, formatWhen } from '../../shared/format.js'
import { placesLine, safetySentence } from '../../shared/safety-text.js'
import type { DeviceView } from '../../shared/state.js'
import { progressView } from '../store/selectors.js'
import { useAppStore } from '../store/store-context.js'
import { completenessSentence, deviceStatus, lastBackupSentence, libraryMismatches, notOnPhoneSentence, photosOnPhoneSentence, unreadableSentence } from '../words.js'
import { ProgressBar } from './progress-bar.js'

function batteryText(d: DeviceView): string | null {
  if (!d.battery) return null
  return `Battery ${d.battery.level} %${d.battery.charging ? ', charging' : d.battery.externalPower ? ', on power' : ''}`
}

function connectionText(d: DeviceView): string {
  if (!d.connected) return 'Not connected'
  return d.connection === 'network' ? 'Wi-Fi' : 'USB'
}

/** The id of a card's instruction, so "Back up now" can point at it instead of repeating it. */
export const instructionId = (udid: string): string => `instruction-${udid.replace(/[^A-Za-z0-9_-]/g, '')}`

export function DeviceCard({ udid }: { udid: string }) {
  const device = useAppStore((s) => s.snapshot?.devices.find((d) => d.udid === udid))
  const settings = useAppStore((s) => s.snapshot?.settings ?? null)
  const safety = useAppStore((s) => s.snapshot?.safety.phones.find((p) => p.udid === udid))
  if (!device) return null
  const status = deviceStatus(device, settings)
  const headingId = `device-${udid}`
  const meta = [device.model, device.iosVersion ? `iOS ${device.iosVersion}` : null, batteryText(device), connectionText(device)].filter(Boolean)
  const icloud = notOnPhoneSentence(device.photos?.inICloudOnly ?? device.itemsNotOnPhone)
  const unreadable = unreadableSentence(device.photos?.unreadable ?? device.itemsUnreadable)
  const counts = photosOnPhoneSentence(device)
  const complete = completenessSentence(device.photoLibrary)
  return (
    <article className={`card device tone-${status.tone}`} aria-labelledby={headingId}>
      <h3 id={headingId}>{device.name}</h3>
      <p className="meta">{meta.join(' · ')}</p>
      <p className="status" data-testid="device-status">
        <span className={`dot tone-${status.tone}`} aria-hidden="true" />
        {status.text}
      </p>
      {status.instruction && <p className="instruction" id={instructionId(udid)} data-testid="device-instruction">{status.instruction}</p>}
      {/* "Back up now" ran and found nothing to copy: said, rather than a button that seems to do nothing. */}
      {device.nothingNew && <p aria-live="polite" data-testid="device-nothing-new">Nothing new on the phone.</p>}
      {counts && <p data-testid="device-counts">{counts}</p>}
      {complete && <p data-testid="device-completeness">{complete}</p>}
      {libraryMismatches(device.photoLibrary).map((m) => (
        // A count that opens to the paths: what disagrees is listed, not ignored, and does not crowd the card.
        <details key={m.summary} className="muted mismatch" data-testid="device-library-mismatch">
          <summary>{m.summary}</summary>
          <ul>
            {m.paths.map((p) => <li key={p}>{p}</li>)}
            {m.more > 0 && <li>{`and ${formatCount(m.more)} more`}</li>}
          </ul>
        </details>
      ))}
      {device.photoLibrary?.note && <p className="muted" data-testid="device-photos-note">{device.photoLibrary.note}</p>}
      {icloud && <p className="muted" data-testid="device-icloud">{icloud}</p>}
      {unreadable && <p className="instruction" data-testid="device-unreadable">{unreadable}</p>}
      {safety && safety.items > 0 && (
        <>
          <p data-testid="device-safety">{safetySentence(safety)}</p>
          <p className="muted" data-testid="device-places">{placesLine(safety.places)}</p>
        </>
      )}
      <p className="muted" data-testid="device-last-backup">{lastBackupSentence(device, (at) => formatWhen(at))}</p>
      {device.progress && <JobProgress udid={udid} />}
    </article>
  )
}

/**
 * The run in progress, with labelled bars: the phone's photos and videos safe (the same live count as
 * the card and the header, so it carries on across a re-plug instead of starting again), and the data
 * this backup copies; then the current file, speed and time left.
 */
export function JobProgress({ udid }: { udid: string }) {
  const progress = useAppStore((s) => s.snapshot?.devices.find((d) => d.udid === udid)?.progress ?? null)
  const photos = useAppStore((s) => s.snapshot?.devices.find((d) => d.udid === udid)?.photos ?? null)
  const running = useAppStore((s) => s.snapshot?.devices.find((d) => d.udid === udid)?.phase === 'importing')
  if (!progress) return null
  const v = progressView(progress)
  const safe = photos ? Math.min(photos.safe, photos.onPhone) : v.itemsDone
  const total = photos ? photos.onPhone : v.itemsTotal
  const safeText = `${formatCount(safe)} of ${formatPhotos(total)} safe`
  const bytesText = `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)} copied in this backup`
  // Speed and time left only mean something while it runs; an interrupted run says where it stopped.
  const line = running
    ? [v.currentFile, v.speedText, v.timeLeftText].filter(Boolean).join(' · ')
    : v.currentFile ? `Stopped at ${v.currentFile}` : ''
  return (
    <div className="job">
      <p className="job-label" aria-hidden="true" data-testid="items-progress">{safeText}</p>
      <ProgressBar label="Photos and videos safe" value={safe} max={total} valueText={safeText} />
      <p className="job-label" aria-hidden="true" data-testid="bytes-progress">{bytesText}</p>
      <ProgressBar label="Data copied in this backup" value={v.bytesPercent} max={100} valueText={bytesText} />
      {line && <p className="muted job-line" data-testid="job-line">{line}</p>}
    </div>
  )
}
