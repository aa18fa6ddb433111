/**
 * A catalog as the engine opens it, at scale, written in one statement batch: `rows` phone files,
 * every 10th failed to import, every 3rd still to import, the rest imported as asset i; two
 * destinations, Immich refused every 4th imported asset, NAS still waits for every 5th. Shared by
 * the queue's unit test and the library bench, so both measure the same shape. Each imported
 * file is a photo of its own (its own group), as a roll without Live Photos is.
 */
import type { Db } from '../../src/main/library/catalog-db.js'

/** `spread`: a DCIM folder per 10,000 files, as a big phone has; otherwise one folder. */
export function seedQueueWithUploads(db: Db, rows: number, options: { spread?: boolean } = {}): void {
  const folder = options.spread ? `'/DCIM/' || (100 + i / 10000) || 'APPLE'` : `'/DCIM/100APPLE'`
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO groups (id, source_udid, source_folder, source_stem, library_folder, stem, created_at)
      SELECT i, 'P', ${folder}, 'IMG_' || i, '2024/2024-01', 'IMG_' || i, 0 FROM n WHERE i % 10 != 0 AND i % 3 != 0;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO assets (id, sha256, sha1, size, library_path, file_name, mime, captured_at, group_id, role, imported_at)
      SELECT i, 'h' || i, 's' || i, 10, '2024/2024-01/IMG_' || i || '.HEIC', 'IMG_' || i || '.HEIC', 'image/heic', 0, i, 'original', 0 FROM n
      WHERE i % 10 != 0 AND i % 3 != 0;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO device_files (udid, path, folder, file_name, base_stem, size, mtime_ns, birthtime_ns, state, asset_id, group_id, error_code, first_seen, last_seen)
    SELECT 'P', ${folder} || '/IMG_' || i || '.HEIC', ${folder}, 'IMG_' || i || '.HEIC', 'IMG_' || i, i, i, i,
      CASE WHEN i % 10 = 0 THEN 'failed' WHEN i % 3 = 0 THEN 'pending' ELSE 'done' END,
      CASE WHEN i % 10 != 0 AND i % 3 != 0 THEN i END, CASE WHEN i % 10 != 0 AND i % 3 != 0 THEN i END,
      CASE WHEN i % 10 = 0 THEN 'device-protocol' END, 0, 0
    FROM n;
    INSERT INTO upload_destinations (id, name, kind, config_json, created_at) VALUES ('im', 'Immich', 'immich', '{}', 0), ('nas', 'NAS', 'folder', '{}', 0);
    INSERT INTO uploads (destination_id, asset_id, state, updated_at) SELECT 'im', id, CASE WHEN id % 4 = 0 THEN 'failed' ELSE 'done' END, 0 FROM assets;
    INSERT INTO uploads (destination_id, asset_id, state, updated_at) SELECT 'nas', id, CASE WHEN id % 5 = 0 THEN 'pending' ELSE 'done' END, 0 FROM assets;`)
}
