/**
 * How the library names the XMP sidecar of a photo or video: the file's full name plus `.xmp`
 * (`IMG_0003.HEIC.xmp`), the digiKam / darktable convention, so a Live Photo's HEIC and MOV each
 * get their own. The library's walkers (consistency check, catalog rebuild) use this to tell a
 * sidecar from a stray file; the sidecars themselves are written by photos/sidecar-writer.ts.
 */

export function sidecarNameFor(fileName: string): string {
  return `${fileName}.xmp`
}

/** True for a name of the sidecar form (`<name>.<ext>.xmp`), never for a photo itself. */
export function isSidecarName(fileName: string): boolean {
  return /^[^/]+\.[^./]+\.xmp$/i.test(fileName)
}

/** The library path of the file a sidecar path describes, or null when it is not a sidecar's name. */
export function photoPathOfSidecar(rel: string): string | null {
  const name = rel.slice(rel.lastIndexOf('/') + 1)
  return isSidecarName(name) ? rel.slice(0, -'.xmp'.length) : null
}
