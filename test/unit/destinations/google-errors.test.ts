import { describe, expect, it } from 'vitest'
import { disabledApiProject } from '../../../src/main/destinations/google-photos/google-errors.js'

const message = (n: string): string => `Photos Library API has not been used in project ${n} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/photoslibrary.googleapis.com/overview?project=${n} then retry.`

describe('disabledApiProject', () => {
  it('reads the project from ErrorInfo (SERVICE_DISABLED, consumer "projects/N")', () => {
    const body = { error: { code: 403, status: 'PERMISSION_DENIED', message: message('111'), details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', metadata: { consumer: 'projects/222' } }] } }
    expect(disabledApiProject(403, JSON.stringify(body))).toBe('222')
  })

  it('reads it from the message of the older body that has only a Help link', () => {
    const body = { error: { code: 403, status: 'PERMISSION_DENIED', message: message('942887834541'), details: [{ '@type': 'type.googleapis.com/google.rpc.Help', links: [] }] } }
    expect(disabledApiProject(403, JSON.stringify(body))).toBe('942887834541')
  })

  it('is null for other refusals and answers', () => {
    const scope = { error: { code: 403, status: 'PERMISSION_DENIED', message: 'Request had insufficient authentication scopes.' } }
    expect(disabledApiProject(403, JSON.stringify(scope))).toBeNull()
    expect(disabledApiProject(403, '<html>forbidden</html>')).toBeNull()
    expect(disabledApiProject(400, JSON.stringify({ error: { message: message('1') } }))).toBeNull()
  })
})
