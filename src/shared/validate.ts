/**
 * Validates command inputs coming from a renderer or an HTTP client. Written once,
 * used by the IPC handlers and the HTTP server alike: nothing reaches the engine unchecked.
 */
import type { CommandName, Input } from './contract.js'
import { validateDestinationDraft } from './destination-config.js'
import { validateSettingsPatch, type Validation } from './settings.js'
import type { QueueFilter } from './state.js'

const QUEUE_FILTERS: readonly QueueFilter[] = ['all', 'pending', 'failed', 'not-on-phone', 'done']
const MAX_PAGE = 1000

const fail = (key: string, message: string) => ({ ok: false as const, key, message })
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function empty(input: unknown): Validation<void> {
  if (input === undefined || input === null || (isObject(input) && Object.keys(input).length === 0)) return { ok: true, value: undefined }
  return fail('(input)', 'takes no input')
}

function optionalId(key: string, input: unknown): Validation<Record<string, string>> {
  if (input === undefined || input === null) return { ok: true, value: {} }
  if (!isObject(input)) return fail('(input)', 'must be an object')
  for (const k of Object.keys(input)) if (k !== key) return fail(k, 'is not expected')
  const v = input[key]
  if (v === undefined) return { ok: true, value: {} }
  if (typeof v !== 'string' || v === '' || v.length > 200) return fail(key, 'must be a non-empty id')
  return { ok: true, value: { [key]: v } }
}

function requiredId(input: unknown): Validation<{ id: string }> {
  if (!isObject(input) || typeof input.id !== 'string' || input.id === '' || input.id.length > 200) return fail('id', 'is required')
  return { ok: true, value: { id: input.id } }
}

const VALIDATORS: { [K in CommandName]: (input: unknown) => Validation<Input<K>> } = {
  getState: empty,
  pause: empty,
  resume: empty,
  openLibraryFolder: empty,
  backupNow: (i) => {
    if (!isObject(i) || !Object.hasOwn(i, 'anyway')) return optionalId('udid', i)
    const { anyway, ...rest } = i
    if (typeof anyway !== 'boolean') return fail('anyway', 'must be true or false')
    const id = optionalId('udid', rest)
    return id.ok ? { ok: true, value: { ...id.value, anyway } } : id
  },
  retryFailed: (i) => optionalId('destinationId', i),
  updateSettings: validateSettingsPatch,
  listQueue: (i) => {
    if (!isObject(i)) return fail('(input)', 'must be an object')
    const filter = (i.filter ?? 'all') as QueueFilter
    if (!QUEUE_FILTERS.includes(filter)) return fail('filter', `must be one of ${QUEUE_FILTERS.join(', ')}`)
    const offset = i.offset ?? 0
    const limit = i.limit ?? 100
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) return fail('offset', 'must be a whole number ≥ 0')
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return fail('limit', `must be a whole number from 1 to ${MAX_PAGE}`)
    if (i.search !== undefined && (typeof i.search !== 'string' || i.search.length > 200)) return fail('search', 'must be text')
    return { ok: true, value: { filter, offset, limit, ...(typeof i.search === 'string' && i.search !== '' ? { search: i.search } : {}) } }
  },
  addDestination: validateDestinationDraft,
  testDestination: (i) => {
    if (isObject(i) && Object.hasOwn(i, 'draft')) {
      // With an id, the draft is an edit: the stored secret stands in for one not retyped.
      if (i.id !== undefined) {
        const id = requiredId(i)
        if (!id.ok) return id
        const d = validateDestinationDraft(i.draft, { secretOptional: true })
        return d.ok ? { ok: true, value: { draft: d.value, id: id.value.id } } : d
      }
      const d = validateDestinationDraft(i.draft)
      return d.ok ? { ok: true, value: { draft: d.value } } : d
    }
    return requiredId(i)
  },
  updateDestination: (i) => {
    const id = requiredId(i)
    if (!id.ok) return id
    const d = validateDestinationDraft((i as Record<string, unknown>).draft, { secretOptional: true })
    return d.ok ? { ok: true, value: { id: id.value.id, draft: d.value } } : d
  },
  removeDestination: requiredId,
  signIn: requiredId,
  openItem: (i) => {
    const id = requiredId(i)
    if (!id.ok) return id
    const { reveal, ...rest } = i as Record<string, unknown>
    const extra = Object.keys(rest).find((k) => k !== 'id')
    if (extra !== undefined) return fail(extra, 'is not expected')
    if (reveal !== undefined && typeof reveal !== 'boolean') return fail('reveal', 'must be true or false')
    return { ok: true, value: { id: id.value.id, ...(reveal === true ? { reveal } : {}) } }
  },
  chooseFolder: (i) => optionalPath('startAt', i),
  listFolders: (i) => optionalPath('path', i),
}

/** An optional absolute-looking path (the engine checks it further); at most 4096 characters, no NUL. */
function optionalPath<K extends string>(key: K, input: unknown): Validation<{ [P in K]?: string }> {
  if (input === undefined || input === null) return { ok: true, value: {} }
  if (!isObject(input)) return fail('(input)', 'must be an object')
  for (const k of Object.keys(input)) if (k !== key) return fail(k, 'is not expected')
  const v = input[key]
  if (v === undefined) return { ok: true, value: {} }
  if (typeof v !== 'string' || v === '' || v.length > 4096 || v.includes('\0')) return fail(key, 'must be a folder path')
  return { ok: true, value: { [key]: v } as { [P in K]?: string } }
}

/** Checks a command's input; the failing key is named so the UI can point at the field. */
export function validateCommandInput<K extends CommandName>(name: K, input: unknown): Validation<Input<K>> {
  return VALIDATORS[name](input) as Validation<Input<K>>
}
