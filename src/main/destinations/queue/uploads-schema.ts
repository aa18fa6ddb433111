/**
 * The uploads part of the catalog (SchemaModule 'uploads', after 'library'): the destinations the
 * user added, and one row per (asset, destination) — the persistent queue and the ledger at once.
 * A row turns 'done' in the same UPDATE that records remote_ref, so the ledger is never behind.
 * Append migrations, never edit one.
 */
import type { Db, SchemaModule } from '../../library/catalog-db.js'

const v1 = (db: Db): void => {
  db.exec(`
    CREATE TABLE upload_destinations (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL CHECK (kind IN ('folder','s3','webdav','immich','google-photos')),
      config_json TEXT NOT NULL,            -- never a secret: those live in the SecretStore
      skip_roles TEXT NOT NULL DEFAULT ',', -- ',sidecar,motion,': roles marked 'skipped' at enqueue
      created_at INTEGER NOT NULL,
      problem_json TEXT,                    -- a permanent error that stopped it (WireError-like)
      state_json TEXT                       -- kind-specific counters (Google's daily quota)
    );

    CREATE TABLE uploads (
      destination_id TEXT NOT NULL REFERENCES upload_destinations(id) ON DELETE CASCADE,
      asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      state TEXT NOT NULL CHECK (state IN ('pending','uploading','done','failed','skipped')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      checked INTEGER NOT NULL DEFAULT 0,   -- 1 once a batch dedupe (Immich bulk check) said "send it"
      remote_ref TEXT,                      -- key, path, asset id or media item id
      deduped INTEGER NOT NULL DEFAULT 0,   -- 1 when the destination already had the content
      error_code TEXT,
      error_detail TEXT,
      session_json TEXT,                    -- resumable state: S3 UploadId + parts, Google session URL, …
      bytes_sent INTEGER NOT NULL DEFAULT 0,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (destination_id, asset_id)
    ) WITHOUT ROWID;
    CREATE INDEX uploads_work ON uploads (destination_id, state, next_attempt_at, asset_id);
    CREATE INDEX uploads_asset ON uploads (asset_id);
  `)
}

// The safety ledger's destination side: when a copy was uploaded (or found there) and when a
// check of it last succeeded (`cradle verify --destinations`).
const v2 = (db: Db): void => {
  db.exec(`
    ALTER TABLE uploads ADD COLUMN done_at INTEGER;
    ALTER TABLE uploads ADD COLUMN verified_at INTEGER;
    UPDATE uploads SET done_at = updated_at WHERE state = 'done';
  `)
}

// The phone's metadata (albums, favorite, sidecar) as last applied to the copy on the destination
// (PhotoMetadata JSON), so a change on the phone is applied once and only what changed is undone.
const v3 = (db: Db): void => {
  db.exec(`ALTER TABLE uploads ADD COLUMN meta_json TEXT;`)
}

// Each destination's space as last measured (DestinationSpace JSON), so `cradle status` shows it
// without asking the service (it has no secrets) and the window has it before the first check.
const v4 = (db: Db): void => {
  db.exec(`ALTER TABLE upload_destinations ADD COLUMN space_json TEXT;`)
}

export const uploadsSchema: SchemaModule = { name: 'uploads', after: ['library'], migrations: [v1, v2, v3, v4] }
