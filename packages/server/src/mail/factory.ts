import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { WindowLimiters } from '../limiter/window-limiters.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/observability.js';
import { Mailer } from './mailer.js';
import { MailQueue } from './queue.js';
import { type MailComposer, MailSender } from './sender.js';
import { loadTemplates } from './templates.js';
import { MailThrottle } from './throttle.js';
import { logTransport, type MailTransport, smtpTransport } from './transport.js';

export interface Mail {
  readonly mailer: Mailer;
  /** The background sender, composing messages with `composer`; started by `serve` and `worker`. */
  sender(composer: MailComposer): MailSender;
  close(): void;
}

/** Without a transport, queued messages wait (they are retried) until the operator configures one. */
const unconfigured: MailTransport = {
  send: async () => {
    throw new Error('SHOEBOX_SMTP_URL is not set');
  },
  close: () => {},
};

/** Wires outgoing mail: the templates are read here, at start, so a broken override stops the start. */
export function openMail(config: Config, database: Database, limiters: WindowLimiters, logger: Logger, clock: Clock = systemClock): Mail {
  const { mail } = config;
  const templates = loadTemplates(mail.templatesDir);
  const log = logger.child({ component: 'mail' });
  const transport = mail.smtpUrl === undefined ? unconfigured : mail.smtpUrl === 'log' ? logTransport(log) : smtpTransport(mail.smtpUrl);
  const queue = new MailQueue(database.db);
  let sender: MailSender | undefined;
  return {
    mailer: new Mailer(mail, queue, new MailThrottle(limiters, mail), () => sender?.wake()),
    sender(composer) {
      sender = new MailSender({ queue, transport, templates, from: mail.from, composer, log, clock });
      return sender;
    },
    close: () => transport.close(),
  };
}
