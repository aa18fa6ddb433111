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

// Each destination's counts speak in photos and videos, as the Photos app does: one row per
// (destination, library group) — a Live Photo's still and video, an edit's original, render and .AAE
// are one group (assets.group_id) — with the state the photo has there, combined from its files as
// upload-status.ts combineUploadStates does: failed if any file failed, uploading or waiting while
// any is, done when the rest are done, skipped only when every file was. The key is the library's
// group, not the phone's family (device_files.family_id): uploads are of library assets, every asset
// has exactly one group (the inbox's too, which have no phone family), and History counts batches by
// group already. Triggers on uploads keep it, whichever code writes a row; each refreshes one group
// (its few files through assets_group and the uploads key), so an upload's state change stays O(1),
// and the counts per state are ranges of upload_groups_state instead of a GROUP BY over every file.
// The photo is "already there" (deduped) when every file of it done there was found there.
// waiting_files/waiting_bytes: the photo's files still pending or uploading (the byte count and
// "is anything left" stay about files, also for a photo whose other file failed).
export const GROUP_UPLOAD_STATE = `CASE WHEN MAX(u.state = 'failed') THEN 'failed' WHEN MAX(u.state = 'uploading') THEN 'uploading'
  WHEN MAX(u.state = 'pending') THEN 'pending' WHEN MAX(u.state = 'done') THEN 'done' ELSE 'skipped' END`
const GROUP_COLUMNS = `${GROUP_UPLOAD_STATE},
    COALESCE(MIN(CASE WHEN u.state = 'done' THEN u.deduped END), 0),
    MIN(CASE WHEN u.state = 'failed' THEN COALESCE(u.error_code, 'internal') END),
    SUM(u.state IN ('pending','uploading')),
    SUM(CASE WHEN u.state IN ('pending','uploading') THEN a.size ELSE 0 END)`
/**
 * The upload_groups row of (destination `dest`, the group of asset `asset`) from its files there:
 * the asset by its key, its group's few files through assets_group, each one's upload by its key.
 */
export const groupRowSql = (dest: string, asset: string): string => `SELECT u.destination_id, a.group_id, ${GROUP_COLUMNS}
    FROM assets g JOIN assets a ON a.group_id = g.group_id JOIN uploads u ON u.destination_id = ${dest} AND u.asset_id = a.id
    WHERE g.id = ${asset} AND EXISTS (SELECT 1 FROM upload_destinations WHERE id = ${dest})
    GROUP BY a.group_id`
/** Recomputes that row (upsert): what each uploads trigger runs, once per changed file. */
const refreshGroup = (dest: string, asset: string): string => `
  INSERT INTO upload_groups (destination_id, group_id, state, deduped, error_code, waiting_files, waiting_bytes)
    ${groupRowSql(dest, asset)}
    ON CONFLICT (destination_id, group_id) DO UPDATE SET state = excluded.state, deduped = excluded.deduped,
      error_code = excluded.error_code, waiting_files = excluded.waiting_files, waiting_bytes = excluded.waiting_bytes;`

const v5 = (db: Db): void => {
  db.exec(`
    CREATE TABLE upload_groups (
      destination_id TEXT NOT NULL,
      group_id INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','uploading','done','failed','skipped')),
      deduped INTEGER NOT NULL,
      error_code TEXT,                      -- a failed file's, for the failure reasons
      waiting_files INTEGER NOT NULL,
      waiting_bytes INTEGER NOT NULL,
      PRIMARY KEY (destination_id, group_id)
    ) WITHOUT ROWID;
    INSERT INTO upload_groups (destination_id, group_id, state, deduped, error_code, waiting_files, waiting_bytes)
      SELECT u.destination_id, a.group_id, ${GROUP_COLUMNS}
      FROM uploads u JOIN assets a ON a.id = u.asset_id GROUP BY u.destination_id, a.group_id;
    CREATE INDEX upload_groups_state ON upload_groups (destination_id, state, deduped, error_code);
    CREATE INDEX upload_groups_waiting ON upload_groups (destination_id, waiting_files, waiting_bytes) WHERE waiting_files > 0;

    CREATE TRIGGER uploads_group_insert AFTER INSERT ON uploads BEGIN
      ${refreshGroup('NEW.destination_id', 'NEW.asset_id')}
    END;
    CREATE TRIGGER uploads_group_update AFTER UPDATE OF state, deduped, error_code ON uploads BEGIN
      ${refreshGroup('NEW.destination_id', 'NEW.asset_id')}
    END;
    -- The last file of a photo gone from a destination takes the photo's row with it.
    CREATE TRIGGER uploads_group_delete AFTER DELETE ON uploads BEGIN
      DELETE FROM upload_groups WHERE destination_id = OLD.destination_id AND group_id = (SELECT group_id FROM assets WHERE id = OLD.asset_id)
        AND NOT EXISTS (SELECT 1 FROM assets g JOIN assets a ON a.group_id = g.group_id JOIN uploads u ON u.destination_id = OLD.destination_id AND u.asset_id = a.id
          WHERE g.id = OLD.asset_id);
      ${refreshGroup('OLD.destination_id', 'OLD.asset_id')}
    END;
    -- A removed destination: its photos go with it (its uploads go by their foreign key).
    CREATE TRIGGER upload_destinations_groups AFTER DELETE ON upload_destinations BEGIN
      DELETE FROM upload_groups WHERE destination_id = OLD.id;
    END;
  `)
}

export const uploadsSchema: SchemaModule = { name: 'uploads', after: ['library'], migrations: [v1, v2, v3, v4, v5] }
