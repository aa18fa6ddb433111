/**
 * The add-destination form as data: which fields each kind asks for, and the draft they make,
 * checked with the shared validateDestinationDraft before anything is sent. Pure, unit-tested.
 */
import { validateDestinationDraft, type DestinationDraft } from '../../shared/destination-config.js'
import type { Validation } from '../../shared/settings.js'
import type { DestinationKind, DestinationView } from '../../shared/state.js'
import { GOOGLE_SETUP_STEPS, type SetupStep } from '../../shared/google-setup.js'

export interface FieldSpec {
  key: string
  label: string
  type: 'text' | 'url' | 'password' | 'checkbox'
  placeholder?: string
  hint?: string
  optional?: boolean
  /** A checkbox left off is not sent, so the engine's own default applies (S3 path-style is guessed from the endpoint). */
  omitWhenOff?: boolean
  /** A folder on the computer running Cradle: the field gets a Browse button. */
  folder?: boolean
}

export const KIND_LABELS: Record<DestinationKind, string> = {
  folder: 'Another folder',
  immich: 'Immich',
  'google-photos': 'Google Photos',
  s3: 'S3-compatible storage',
  webdav: 'WebDAV / Nextcloud',
}

export const FIELDS: Record<DestinationKind, FieldSpec[]> = {
  folder: [{ key: 'path', label: 'Folder', type: 'text', placeholder: '/mnt/backup/photos', hint: 'An absolute path on the computer running Cradle.', folder: true }],
  immich: [
    { key: 'url', label: 'Server address', type: 'url', placeholder: 'https://photos.example.net' },
    { key: 'secret', label: 'API key', type: 'password', hint: 'Immich → Account Settings → API Keys. Needs asset.upload (album.read, album.create, album.update, albumAsset.create and asset.update for albums, favorites and hidden photos).' },
  ],
  'google-photos': [
    { key: 'clientId', label: 'OAuth client ID', type: 'text', placeholder: '1234567890-abc….apps.googleusercontent.com', hint: 'Your own Desktop client, made in the steps above.' },
    { key: 'secret', label: 'OAuth client secret', type: 'password', hint: 'Shown beside the client ID (it starts with GOCSPX-). Kept in Cradle’s secret store.' },
    {
      key: 'uploadLivePhotoVideo', label: 'Also upload the video of Live Photos', type: 'checkbox',
      hint: 'Google Photos cannot join them: the video shows up as a separate 2–3 second clip beside the photo, and costs two more requests of the daily 10,000. The video stays in your library either way.',
    },
  ],
  s3: [
    { key: 'endpoint', label: 'Endpoint', type: 'url', placeholder: 'https://s3.eu-central-1.amazonaws.com' },
    { key: 'bucket', label: 'Bucket', type: 'text' },
    { key: 'accessKeyId', label: 'Access key ID', type: 'text' },
    { key: 'secret', label: 'Secret access key', type: 'password' },
    { key: 'region', label: 'Region', type: 'text', optional: true, placeholder: 'us-east-1' },
    { key: 'prefix', label: 'Folder in the bucket', type: 'text', optional: true, placeholder: 'photos' },
    { key: 'pathStyle', label: 'Path-style addresses (MinIO and similar)', type: 'checkbox', omitWhenOff: true },
  ],
  webdav: [
    { key: 'url', label: 'WebDAV address', type: 'url', placeholder: 'https://cloud.example.net/remote.php/dav/files/anna/Photos' },
    { key: 'username', label: 'User name', type: 'text', optional: true },
    { key: 'secret', label: 'Password or app password', type: 'password' },
  ],
}

/** Steps to take outside Cradle before the form can be filled in, shown above the fields. */
export const SETUP_GUIDES: Partial<Record<DestinationKind, { title: string; steps: readonly SetupStep[] }>> = {
  'google-photos': { title: 'Once, in Google Cloud (free; the full guide is in Cradle’s docs, destinations.md):', steps: GOOGLE_SETUP_STEPS },
}

export type FormValues = Record<string, string | boolean>

export function initialValues(kind: DestinationKind): FormValues {
  const values: FormValues = { name: KIND_LABELS[kind] }
  for (const f of FIELDS[kind]) values[f.key] = f.type === 'checkbox' ? false : ''
  return values
}

/** The edit form filled in from a stored destination; the secret field starts empty ("unchanged"). */
export function valuesFromView(d: Pick<DestinationView, 'kind' | 'name' | 'config'>): FormValues {
  const values = initialValues(d.kind)
  values.name = d.name
  const config = d.config as unknown as Record<string, unknown>
  for (const f of FIELDS[d.kind]) {
    const v = config[f.key]
    if (f.type === 'checkbox') values[f.key] = v === true
    else if (typeof v === 'string') values[f.key] = v
  }
  return values
}

/** What a key-holding kind calls its secret on the Edit button when that secret was refused. */
export const UPDATE_SECRET_LABEL: Partial<Record<DestinationKind, string>> = {
  immich: 'Update key',
  s3: 'Update key',
  webdav: 'Update password',
}

/**
 * Builds the draft from the form and validates it; the failing key points at the field. `editing`:
 * the stored config, whose settings the form does not show are kept, and an empty secret means
 * "keep the stored one".
 */
export function draftFromForm(kind: DestinationKind, values: FormValues, editing?: DestinationView['config']): Validation<DestinationDraft> {
  const config: Record<string, unknown> = {}
  if (editing) {
    const shown = new Set(FIELDS[kind].map((f) => f.key))
    for (const [key, v] of Object.entries(editing)) if (!shown.has(key)) config[key] = v
  }
  let secret: string | undefined
  for (const f of FIELDS[kind]) {
    const v = values[f.key]
    if (f.key === 'secret') {
      secret = typeof v === 'string' && v !== '' ? v : undefined
      continue
    }
    if (f.type === 'checkbox') {
      if (v === true || !f.omitWhenOff) config[f.key] = v === true
    }
    else if (typeof v === 'string' && (v.trim() !== '' || !f.optional)) config[f.key] = v.trim()
  }
  const name = typeof values.name === 'string' ? values.name : ''
  return validateDestinationDraft({ kind, name, config, ...(secret !== undefined ? { secret } : {}) }, { secretOptional: editing !== undefined })
}

/** "Server address must start with http://" — the validator's words after the field's label. */
export function fieldMessage(kind: DestinationKind, key: string, message: string): string {
  const label = key === 'name' ? 'Name' : FIELDS[kind].find((f) => f.key === key)?.label ?? key
  return `${label} ${message}`
}
