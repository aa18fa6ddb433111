/**
 * The channels the settings ask for, each reading its secret (SMTP password, URL access token)
 * from the secret store when it sends — never from settings.json, never from argv.
 */
import type { Settings } from '../../shared/settings.js'
import type { SecretStore } from '../engine/ports.js'
import { buildMailMessage } from './email/mail-message.js'
import { sendMail } from './email/smtp-client.js'
import type { NoticeChannel } from './notice-delivery.js'
import { pushToUrl, type Notice } from './url-push.js'

export const NOTIFY_SECRETS = {
  smtpPassword: 'notify:smtp-password',
  urlToken: 'notify:url-token',
} as const

export interface ChannelOptions {
  /** Extra trust anchors for SMTP over TLS (a test's self-signed server). */
  smtpCa?: string | Buffer
  timeoutMs?: number
  now?: () => Date
}

export function noticeChannels(settings: Pick<Settings, 'notifyUrl' | 'notifyEmail'>, secrets: SecretStore, o: ChannelOptions = {}): NoticeChannel[] {
  const channels: NoticeChannel[] = []
  const url = settings.notifyUrl
  if (url) {
    channels.push({
      name: `url ${new URL(url).origin}`,
      async send(notice: Notice) {
        const token = await secrets.get(NOTIFY_SECRETS.urlToken)
        await pushToUrl(url, notice, { ...(token ? { token } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) })
      },
    })
  }
  const email = settings.notifyEmail
  if (email) {
    channels.push({
      name: `e-mail ${email.smtpHost}:${email.smtpPort}`,
      async send(notice: Notice) {
        const password = email.username !== undefined ? await secrets.get(NOTIFY_SECRETS.smtpPassword) : undefined
        const message = buildMailMessage({ from: email.from, to: email.to, subject: notice.title, text: notice.body, date: o.now?.() ?? new Date() })
        await sendMail({
          host: email.smtpHost, port: email.smtpPort, secure: email.secure, from: email.from, to: email.to, message,
          ...(email.username !== undefined ? { username: email.username } : {}),
          ...(password !== undefined ? { password } : {}),
          ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
          ...(o.smtpCa ? { ca: o.smtpCa } : {}),
        })
      },
    })
  }
  return channels
}
