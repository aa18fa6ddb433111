/**
 * Google's error bodies (google.rpc.Status with ErrorInfo details) read for what Cradle can name:
 * the Photos Library API turned off in the user's own Google Cloud project. Google answers every
 * request of such a project with 403 PERMISSION_DENIED, reason SERVICE_DISABLED, and the project
 * number in metadata.consumer ("projects/N") and in the message ("… in project N before or it is
 * disabled").
 */
interface GoogleErrorBody {
  error?: {
    status?: string
    message?: string
    details?: { '@type'?: string; reason?: string; metadata?: Record<string, string> }[]
  }
}

/** The project whose API is off ('' when Google did not say which), or null for any other answer. */
export function disabledApiProject(status: number, body: string): string | null {
  if (status !== 403) return null
  let parsed: GoogleErrorBody
  try {
    parsed = JSON.parse(body) as GoogleErrorBody
  } catch {
    return null
  }
  const error = parsed.error
  const info = error?.details?.find((d) => d.reason === 'SERVICE_DISABLED')
  const message = error?.message ?? ''
  if (!info && !/has not been used in project .* or it is disabled/.test(message)) return null
  const fromInfo = /^projects\/(\d+)$/.exec(info?.metadata?.consumer ?? '')?.[1]
  const fromMessage = /in project (\d+) /.exec(message)?.[1]
  return fromInfo ?? fromMessage ?? ''
}
