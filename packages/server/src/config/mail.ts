import type { Config } from './config.js';

/**
 * Outgoing mail, as configured (variables.ts): `smtpUrl` is an `smtp://` or `smtps://` URL, `log`
 * to print each message instead (development), or undefined: flows that send mail answer 503
 * mail_not_configured. Every message's link is `<accountLinkUrl>?type=…&token=…`.
 */
export type MailConfig = Config['mail'];

/** Whether mail can be sent: a transport and a link handler for the links it carries. */
export const mailConfigured = (mail: MailConfig): boolean => mail.smtpUrl !== undefined && mail.accountLinkUrl !== undefined;

/** Parses SHOEBOX_SMTP_URL; throws an Error whose message completes "… is wrong: ". */
export function parseSmtpUrl(raw: string): string {
  if (raw === 'log') return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('expected smtp://user:password@host:587, smtps://user:password@host:465, or log');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('expected an smtp:// or smtps:// URL, or log');
  if (!url.hostname) throw new Error('expected a host, e.g. smtp://mail.example.com:587');
  return raw;
}

/** Parses SHOEBOX_MAIL_FROM: an address, optionally with a display name (`Shoebox <no-reply@example.com>`). */
export function parseMailFrom(raw: string): string {
  if (raw.length > 320 || !/^([^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(raw)) {
    throw new Error('expected an address like no-reply@example.com or "Photo App <no-reply@example.com>"');
  }
  return raw;
}

/** Describes a transport for `shoebox config`, with the password hidden. */
export function describeMailTransport(smtpUrl: string): string {
  if (smtpUrl === 'log') return 'log (messages are printed in the log, not sent)';
  const url = new URL(smtpUrl);
  if (url.password) url.password = '***';
  return url.toString();
}
