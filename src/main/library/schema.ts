/**
 * The library's tables in the catalog (SchemaModule 'library'). Append migrations, never edit one.
 *
 * Identity of a device file: (udid, path, size, mtime_ns, birthtime_ns). The IMG_9999 → IMG_0001
 * wrap starts a new 1xxAPPLE folder, so the path differs; a name reused after deletion in the same
 * folder has a different birth time. Either way a new row, never a mistaken "already have it".
 * Nanosecond times are TEXT: JS numbers lose precision past 2^53 ns (about 104 days after 1970).
 */
import type { Db, SchemaModule } from './catalog-db.js'
import { familyFolderSql, MUTATIONS_ROOT } from './naming.js'

const v1 = (db: Db): void => {
  db.exec(`
    CREATE TABLE library_roots (
      path TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL
    );

    -- A phone, or the watched inbox folder (kind 'inbox', udid 'inbox').
    CREATE TABLE devices (
      udid TEXT PRIMARY KEY,
      kind TEXT NOT NULL DEFAULT 'phone' CHECK (kind IN ('phone','inbox')),
      name TEXT NOT NULL,
      product_type TEXT,
      ios_version TEXT,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      last_backup_at INTEGER,
      -- bumped by every connection: 'not-on-phone' files are retried only on a later one
      connection_count INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE groups (
      id INTEGER PRIMARY KEY,
      source_udid TEXT NOT NULL,
      source_folder TEXT NOT NULL,     -- device folder, e.g. /DCIM/100APPLE
      source_stem TEXT NOT NULL,       -- base stem on the device, e.g. IMG_1234 (edits map to it)
      library_folder TEXT NOT NULL,    -- relative to the library root, '/' separators
      stem TEXT NOT NULL,              -- sanitised stem used in the library
      suffix INTEGER NOT NULL DEFAULT 0,  -- 0 = none, n = '-n' on every member
      kind TEXT NOT NULL DEFAULT 'single' CHECK (kind IN ('single','live','edited')),
      captured_at INTEGER,
      created_at INTEGER NOT NULL,
      UNIQUE (library_folder, stem, suffix)
    );
    CREATE INDEX groups_source ON groups (source_udid, source_folder, source_stem);

    CREATE TABLE assets (
      id INTEGER PRIMARY KEY,
      sha256 TEXT UNIQUE NOT NULL,
      sha1 TEXT NOT NULL,
      size INTEGER NOT NULL,
      library_path TEXT UNIQUE NOT NULL,
      file_name TEXT NOT NULL,
      mime TEXT NOT NULL,
      captured_at INTEGER,
      capture_offset_minutes INTEGER,
      capture_source TEXT NOT NULL DEFAULT 'birthtime',
      group_id INTEGER NOT NULL REFERENCES groups(id),
      role TEXT NOT NULL CHECK (role IN ('original','motion','edited','edited-motion','sidecar')),
      imported_at INTEGER NOT NULL
    );
    CREATE INDEX assets_group ON assets (group_id);

    CREATE TABLE device_files (
      id INTEGER PRIMARY KEY,
      udid TEXT NOT NULL REFERENCES devices(udid),
      path TEXT NOT NULL,
      folder TEXT NOT NULL,
      file_name TEXT NOT NULL,
      base_stem TEXT NOT NULL,         -- group key inside the folder (IMG_E1234.HEIC → IMG_1234)
      size INTEGER NOT NULL,
      mtime_ns TEXT NOT NULL,
      birthtime_ns TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending','importing','done','duplicate','not-on-phone','failed')),
      asset_id INTEGER REFERENCES assets(id),
      group_id INTEGER REFERENCES groups(id),
      staged_bytes INTEGER NOT NULL DEFAULT 0,
      error_code TEXT,
      error_detail TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      not_on_phone_connection INTEGER,
      present INTEGER NOT NULL DEFAULT 1,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      in_queue INTEGER GENERATED ALWAYS AS (present = 1 OR state IN ('done','duplicate')) VIRTUAL,
      UNIQUE (udid, path, size, mtime_ns, birthtime_ns)
    );
    CREATE INDEX device_files_folder ON device_files (udid, folder, present);
    CREATE INDEX device_files_stem ON device_files (udid, folder, base_stem);
    CREATE INDEX device_files_state ON device_files (udid, present, state);
    CREATE INDEX device_files_queue ON device_files (in_queue, state, id);
    CREATE INDEX device_files_queue_all ON device_files (in_queue, id);
    CREATE INDEX device_files_asset ON device_files (asset_id);

    -- The fast no-op re-check: one row per listed device folder.
    CREATE TABLE folder_listings (
      udid TEXT NOT NULL REFERENCES devices(udid),
      folder TEXT NOT NULL,
      signature TEXT NOT NULL,
      entry_count INTEGER NOT NULL,
      checked_at INTEGER NOT NULL,
      PRIMARY KEY (udid, folder)
    );
  `)
}

// Sidecars (.AAE) with identical bytes can belong to two photos (edits pasted onto several at
// once); each group needs its own copy beside its photo, so a sidecar may live under more paths.
const v2 = (db: Db): void => {
  db.exec(`
    CREATE TABLE asset_copies (
      id INTEGER PRIMARY KEY,
      asset_id INTEGER NOT NULL REFERENCES assets(id),
      library_path TEXT UNIQUE NOT NULL,
      group_id INTEGER NOT NULL REFERENCES groups(id),
      created_at INTEGER NOT NULL
    );
    CREATE INDEX asset_copies_asset ON asset_copies (asset_id);
  `)
}

// The safety ledger's library side and the scrub's findings (`cradle verify`, the background scrub):
// when the file's bytes last matched sha256, and what a check found wrong. An import counts as a
// check (the bytes were hashed on their way in). A damaged asset is imported again from a phone
// that still has it (scan-plan.ts pending()); the damaged file is moved aside, never overwritten.
const v3 = (db: Db): void => {
  db.exec(`
    ALTER TABLE assets ADD COLUMN verified_at INTEGER;      -- last time the bytes matched sha256
    ALTER TABLE assets ADD COLUMN checked_at INTEGER;       -- last check, whatever it found (the scrub's schedule)
    ALTER TABLE assets ADD COLUMN damage TEXT CHECK (damage IN ('corrupt','missing'));
    ALTER TABLE assets ADD COLUMN damage_found_at INTEGER;
    UPDATE assets SET verified_at = imported_at, checked_at = imported_at;
    CREATE INDEX assets_damaged ON assets (id) WHERE damage IS NOT NULL;
    CREATE INDEX assets_checked ON assets (checked_at, id);

    -- Every scrub that ran ('cli' = cradle verify, 'background'), for "last checked" and its result.
    CREATE TABLE scrub_runs (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('cli','background')),
      started_at INTEGER NOT NULL,
      finished_at INTEGER NOT NULL,
      checked INTEGER NOT NULL,
      corrupt INTEGER NOT NULL,
      missing INTEGER NOT NULL,
      complete INTEGER NOT NULL
    );
  `)
}

// What the phone's Photos library (Photos.sqlite, src/main/photos/) says about its assets, kept per
// phone and Photos uuid: the metadata travels to sidecars and album-aware destinations
// (PhotoMetadataSource), and the completeness counts come from it. photo_files ties every phone path
// of an asset (original, Live Photo video, rendered edit, .AAE) to its uuid; device_files joins it on
// (udid, path), so files imported before the database was read get their metadata too. Rows stay when
// the phone forgets an asset: the library keeps what it imported, and so does its metadata.
const v4 = (db: Db): void => {
  db.exec(`
    CREATE TABLE photo_assets (
      udid TEXT NOT NULL,
      uuid TEXT NOT NULL,
      original_file_name TEXT NOT NULL,
      phone_path TEXT,                 -- the original's AFC path, e.g. /DCIM/100APPLE/IMG_0001.HEIC
      kind TEXT NOT NULL CHECK (kind IN ('photo','video')),
      captured_at INTEGER,             -- ms since the epoch (UTC)
      capture_offset_minutes INTEGER,
      favorite INTEGER NOT NULL DEFAULT 0,
      hidden INTEGER NOT NULL DEFAULT 0,
      trashed INTEGER NOT NULL DEFAULT 0,
      icloud_only INTEGER NOT NULL DEFAULT 0,
      albums TEXT NOT NULL DEFAULT '[]', -- JSON array of titles, sorted, no duplicates
      present INTEGER NOT NULL DEFAULT 1, -- in the phone's database at its last read
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (udid, uuid)
    );

    CREATE TABLE photo_files (
      udid TEXT NOT NULL,
      path TEXT NOT NULL,
      uuid TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('original','motion','edited','sidecar')),
      PRIMARY KEY (udid, path)
    );
    CREATE INDEX photo_files_uuid ON photo_files (udid, uuid);
  `)
}

// What the last attempt to read each phone's Photos library found: used (available = 1), or why
// not (the device card's and `status`'s note). One row per phone, replaced on every read.
const v5 = (db: Db): void => {
  db.exec(`
    CREATE TABLE photo_library_reads (
      udid TEXT PRIMARY KEY,
      read_at INTEGER NOT NULL,
      available INTEGER NOT NULL,
      code TEXT,                       -- missing | unreadable | unknown-shape | damaged | changing
      reason TEXT,                     -- the user's words, e.g. "the iPhone refused to share its Photos library (PERM_DENIED)"
      shape TEXT                       -- JSON: asset table, album entity, join table (for the log)
    );
  `)
}

// The phone's Photos.sqlite, -wal and -shm as last read (sizes and mtimes): when they are the same
// at the next connection the catalog already holds what they say, and the copy is skipped.
const v6 = (db: Db): void => {
  db.exec('ALTER TABLE photo_library_reads ADD COLUMN signature TEXT')
}

// The albums' Photos ids beside their titles (JSON [{uuid, title}]): a rename on the phone keeps the
// id, so a destination renames its album instead of making a second one.
const v7 = (db: Db): void => {
  db.exec(`ALTER TABLE photo_assets ADD COLUMN album_refs TEXT NOT NULL DEFAULT '[]'`)
}

// The queue speaks in photos, as the Photos app does: one row per family of files (source folder +
// base stem, an edit kept under /PhotoData/Mutations counting in its original's folder: a Live
// Photo's still and video, an edit's render and .AAE). Grouping at query time was
// too slow for 100,000 files, so each file carries its family, stored when the scan records it —
// the id of the family's first file, so families are numbered in discovery order — and each family
// has a row in device_families with the state the queue shows, so a page and a count are index
// ranges as they were for files. Triggers keep both, whichever code inserts or updates a file.
// A family's state is the first that fits of: a file failed, a file waits (pending or importing),
// a file is only in iCloud, every file in the library ('done'); in_queue: some file is in the queue.
const FAMILY_STATE = `CASE WHEN MAX(in_queue AND state = 'failed') THEN 'failed'
  WHEN MAX(in_queue AND state IN ('pending','importing')) THEN 'pending'
  WHEN MAX(in_queue AND state = 'not-on-phone') THEN 'not-on-phone' ELSE 'done' END`
/** The first file of the family of file `f` (a row alias): its own folder or its Mutations twin, same stem. */
const firstOfFamily = (f: string): string => `(SELECT MIN(m.id) FROM device_files m WHERE m.udid = ${f}.udid AND m.base_stem = ${f}.base_stem
  AND m.folder IN (${familyFolderSql(`${f}.folder`)}, '${MUTATIONS_ROOT}' || ${familyFolderSql(`${f}.folder`)}))`
const refreshFamily = (familyId: string): string => `
  INSERT INTO device_families (id, in_queue, state)
    SELECT family_id, MAX(in_queue), ${FAMILY_STATE} FROM device_files WHERE family_id = ${familyId} GROUP BY family_id
    ON CONFLICT (id) DO UPDATE SET in_queue = excluded.in_queue, state = excluded.state;`

const v8 = (db: Db): void => {
  db.exec(`
    ALTER TABLE device_files ADD COLUMN family_id INTEGER;
    UPDATE device_files SET family_id = ${firstOfFamily('device_files')};
    CREATE INDEX device_files_family ON device_files (family_id);

    CREATE TABLE device_families (
      id INTEGER PRIMARY KEY,          -- device_files.family_id
      in_queue INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('failed','pending','not-on-phone','done'))
    );
    INSERT INTO device_families (id, in_queue, state)
      SELECT family_id, MAX(in_queue), ${FAMILY_STATE} FROM device_files GROUP BY family_id;
    CREATE INDEX device_families_queue ON device_families (in_queue, state, id);
    CREATE INDEX device_families_queue_all ON device_families (in_queue, id);

    CREATE TRIGGER device_files_family AFTER INSERT ON device_files BEGIN
      UPDATE device_files SET family_id = ${firstOfFamily('NEW')} WHERE id = NEW.id AND family_id IS NULL;
      ${refreshFamily('(SELECT family_id FROM device_files WHERE id = NEW.id)')}
    END;
    CREATE TRIGGER device_files_family_state AFTER UPDATE OF state, present ON device_files BEGIN
      ${refreshFamily('NEW.family_id')}
    END;
  `)
}

// A phone's photos and videos (families) counted from an index alone on every snapshot
// (scan-plan.ts photoCounts), instead of reading each of its files.
const v9 = (db: Db): void => {
  db.exec('CREATE INDEX device_files_present_family ON device_files (udid, present, family_id)')
}

export const librarySchema: SchemaModule = { name: 'library', migrations: [v1, v2, v3, v4, v5, v6, v7, v8, v9] }
