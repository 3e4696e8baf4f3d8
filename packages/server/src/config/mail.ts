/** Outgoing mail, as configured: where it goes, who sends it, and the app's link handler. */
export interface MailConfig {
  /**
   * `smtp://` or `smtps://` URL (user and password in it, `?requireTLS=true` to insist on STARTTLS),
   * `log` to print each message instead (development), or undefined: flows that send mail answer
   * 503 mail_not_configured.
   */
  readonly smtpUrl: string | undefined;
  readonly from: string;
  /** The app's link handler; every message's link is `<accountLinkUrl>?type=…&token=…`. */
  readonly accountLinkUrl: string | undefined;
  /** A folder of templates overriding the built-in ones (mail/templates.ts). */
  readonly templatesDir: string | undefined;
  /** Named in every message. */
  readonly appName: string;
  /** Messages one recipient may be sent per window. */
  readonly perRecipient: number;
  /** Messages one client address may ask for per window. */
  readonly perAddress: number;
  readonly windowSeconds: number;
}

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

/** Describes the transport for `shoebox config`, with the password hidden. */
export function describeMailTransport(mail: MailConfig): string {
  if (mail.smtpUrl === undefined) return '(off: verification, reset and email change answer 503 mail_not_configured)';
  if (mail.smtpUrl === 'log') return 'log (messages are printed in the log, not sent)';
  const url = new URL(mail.smtpUrl);
  if (url.password) url.password = '***';
  return url.toString();
}
