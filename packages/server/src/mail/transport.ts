import type { Transporter } from 'nodemailer';
import type { Logger } from '../shared/observability.js';
import type { RenderedMail } from './templates.js';

export interface OutgoingMail extends RenderedMail {
  readonly from: string;
  readonly to: string;
  /** Stable per queued message, so a retry after an unrecorded success is recognisably the same message. */
  readonly messageId: string;
}

/** Where mail goes. `send` resolves once the server accepted the message and rejects otherwise. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * SMTP through nodemailer. Timeouts are short: a message is held (claimed) by one sender while it
 * is being sent, and a server that hangs must give it back to the queue, not keep it for minutes.
 */
export function smtpTransport(url: string): MailTransport {
  // nodemailer is a tenth of the server's code: imported for the first message, not at every start.
  let transporter: Promise<Transporter> | undefined;
  return {
    async send(mail) {
      transporter ??= import('nodemailer').then(({ createTransport }) =>
        createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }),
      );
      await (await transporter).sendMail({ ...mail, messageId: mail.messageId });
    },
    close: () => void transporter?.then((smtp) => smtp.close()),
  };
}

/** For development: each message is written to the log instead of being sent. */
export function logTransport(logger: Logger): MailTransport {
  return {
    async send(mail) {
      logger.info(
        { mail: { to: mail.to, from: mail.from, subject: mail.subject, text: mail.text, messageId: mail.messageId } },
        'mail (log transport, not sent)',
      );
    },
    close: () => {},
  };
}
