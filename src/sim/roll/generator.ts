/** Camera-roll generation (work in progress: the first slice serves --dcim folders only). */
export interface CameraRollOptions {
  count: number
  seed?: number
}

export interface CameraRollManifest {
  files: { path: string; size: number }[]
}

export async function generateCameraRoll(_dir: string, _options: CameraRollOptions): Promise<CameraRollManifest> {
  throw new Error('camera-roll generation is not available yet')
}
