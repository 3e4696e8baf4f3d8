import { createTransport } from 'nodemailer';
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
  const transporter = createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    async send(mail) {
      await transporter.sendMail({ ...mail, messageId: mail.messageId });
    },
    close: () => transporter.close(),
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
