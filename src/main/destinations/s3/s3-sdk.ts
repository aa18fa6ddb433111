/**
 * The AWS SDK, imported on first use. It is the largest module Cradle loads (about half a second
 * on a small machine), and only an S3 destination that uploads or checks needs it: every other
 * command and destination starts without it.
 */
import type * as ClientS3 from '@aws-sdk/client-s3'

export type S3Sdk = typeof ClientS3

let sdk: Promise<S3Sdk> | null = null

export function loadS3Sdk(): Promise<S3Sdk> {
  sdk ??= import('@aws-sdk/client-s3')
  return sdk
}
