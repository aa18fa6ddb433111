/**
 * The file types Immich takes as an asset. Its upload interceptor checks the name's extension
 * (the `filename` field, else the file part's name) against the image and video lists in
 * server/src/utils/mime-types.ts (`isAsset`, called from AssetMediaService.canUploadFile) and
 * answers 400 "Unsupported file type <name>" for anything else, .AAE included. Cradle sends only
 * these and counts the rest as not for this destination.
 */
import path from 'node:path'

const RAW = ['.3fr', '.ari', '.arw', '.cap', '.cin', '.cr2', '.cr3', '.crw', '.dcr', '.dng', '.erf', '.fff', '.iiq', '.k25', '.kdc',
  '.mrw', '.nef', '.nrw', '.orf', '.ori', '.pef', '.psd', '.raf', '.raw', '.rw2', '.rwl', '.sr2', '.srf', '.srw', '.x3f']
const IMAGE = [...RAW, '.avif', '.bmp', '.gif', '.heic', '.heif', '.hif', '.insp', '.jpe', '.jpeg', '.jpg', '.jxl', '.png', '.svg', '.tif', '.tiff', '.webp']
const VIDEO = ['.3gp', '.3gpp', '.avi', '.flv', '.insv', '.m2ts', '.m4v', '.mkv', '.mov', '.mp4', '.mpe', '.mpeg', '.mpg', '.mts', '.vob', '.webm', '.wmv']

const IMAGE_SET = new Set(IMAGE)
const VIDEO_SET = new Set(VIDEO)

/** Immich's extname: the last dot of the base name, lower-cased ('' for none or a leading dot only). */
function ext(fileName: string): string {
  return path.posix.extname(fileName.replace(/\\/g, '/')).toLowerCase()
}

export function immichTakes(fileName: string): boolean {
  const e = ext(fileName)
  return IMAGE_SET.has(e) || VIDEO_SET.has(e)
}

export function immichIsVideo(fileName: string): boolean {
  return VIDEO_SET.has(ext(fileName))
}
