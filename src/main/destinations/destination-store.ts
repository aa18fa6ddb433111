/**
 * The destinations the user added, as rows in the catalog: kind, name, config (never a secret),
 * the roles each one skips, a persisted stop ("problem") and kind-specific counters.
 */
import { randomBytes } from 'node:crypto'
import type { DestinationConfigs } from '../../shared/destination-config.js'
import { CradleError, type ErrorCode, type ErrorContext } from '../../shared/errors.js'
import type { DestinationKind, DestinationSpace } from '../../shared/state.js'
import { stmt, type Db } from '../library/catalog-db.js'
import type { AssetRole } from './destination.js'

export interface DestinationRecord<K extends DestinationKind = DestinationKind> {
  id: string
  name: string
  kind: K
  config: DestinationConfigs[K]
  skipRoles: AssetRole[]
  createdAt: number
  /** Set when a permanent error stopped it; cleared by retry, test or sign-in. */
  problem: StoredProblem | null
  state: Record<string, unknown>
  /** Space there as last measured (null: never). */
  space: DestinationSpace | null
}

export interface StoredProblem {
  code: ErrorCode
  detail: string
  context: ErrorContext
  at: number
}

interface Row {
  id: string
  name: string
  kind: DestinationKind
  config_json: string
  skip_roles: string
  created_at: number
  problem_json: string | null
  state_json: string | null
  space_json: string | null
}

function parse<T>(json: string | null, fallback: T): T {
  if (json === null) return fallback
  try {
    return JSON.parse(json) as T
  } catch {
    return fallback
  }
}

function toRecord(r: Row): DestinationRecord {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    config: parse(r.config_json, {}) as DestinationConfigs[DestinationKind],
    skipRoles: r.skip_roles.split(',').filter(Boolean) as AssetRole[],
    createdAt: r.created_at,
    problem: parse<StoredProblem | null>(r.problem_json, null),
    state: parse<Record<string, unknown>>(r.state_json, {}),
    space: parse<DestinationSpace | null>(r.space_json, null),
  }
}

export class DestinationStore {
  constructor(private readonly db: Db) {}

  list(): DestinationRecord[] {
    return stmt<[], Row>(this.db, 'SELECT * FROM upload_destinations ORDER BY created_at, name').all().map(toRecord)
  }

  get(id: string): DestinationRecord | null {
    const row = stmt<[string], Row>(this.db, 'SELECT * FROM upload_destinations WHERE id = ?').get(id)
    return row ? toRecord(row) : null
  }

  byName(name: string): DestinationRecord | null {
    const row = stmt<[string], Row>(this.db, 'SELECT * FROM upload_destinations WHERE name = ? COLLATE NOCASE').get(name)
    return row ? toRecord(row) : null
  }

  insert<K extends DestinationKind>(kind: K, name: string, config: DestinationConfigs[K], skipRoles: readonly AssetRole[], now: number): DestinationRecord<K> {
    if (this.byName(name)) throw new CradleError('invalid-input', `a destination named "${name}" exists`, { context: { key: 'name' } })
    const id = `dst_${randomBytes(6).toString('hex')}`
    stmt(this.db, 'INSERT INTO upload_destinations (id, name, kind, config_json, skip_roles, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, name, kind, JSON.stringify(config), `,${skipRoles.join(',')},`, now)
    return this.get(id) as DestinationRecord<K>
  }

  /** An edit: name, config and roles change; the kind, the uploads and the counters stay. */
  update(id: string, name: string, config: DestinationConfigs[DestinationKind], skipRoles: readonly AssetRole[]): void {
    const other = this.byName(name)
    if (other && other.id !== id) throw new CradleError('invalid-input', `a destination named "${name}" exists`, { context: { key: 'name' } })
    stmt(this.db, 'UPDATE upload_destinations SET name = ?, config_json = ?, skip_roles = ? WHERE id = ?')
      .run(name, JSON.stringify(config), `,${skipRoles.join(',')},`, id)
  }

  remove(id: string): boolean {
    return stmt(this.db, 'DELETE FROM upload_destinations WHERE id = ?').run(id).changes > 0
  }

  setProblem(id: string, problem: StoredProblem | null): void {
    stmt(this.db, 'UPDATE upload_destinations SET problem_json = ? WHERE id = ?').run(problem ? JSON.stringify(problem) : null, id)
  }

  setSpace(id: string, space: DestinationSpace): void {
    stmt(this.db, 'UPDATE upload_destinations SET space_json = ? WHERE id = ?').run(JSON.stringify(space), id)
  }

  setState(id: string, state: Record<string, unknown>): void {
    stmt(this.db, 'UPDATE upload_destinations SET state_json = ? WHERE id = ?').run(JSON.stringify(state), id)
  }
}

/** Keys under which a destination's secrets live in the SecretStore. */
export const secretKeys = {
  /** Password, API key or S3 secret key (Google: the OAuth client secret, if any). */
  secret: (id: string) => `destination/${id}/secret`,
  /** Google Photos OAuth refresh token. */
  refreshToken: (id: string) => `destination/${id}/refresh-token`,
}
