import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';

/** A message as the test SMTP server received it. */
export interface ReceivedMail {
  readonly to: string[];
  readonly from: string;
  readonly subject: string;
  readonly messageId: string;
  /** The whole message, quoted-printable decoded: enough to read links and codes in it. */
  readonly body: string;
}

export interface TestSmtp {
  /** `smtp://user:password@127.0.0.1:<port>`, for SHOEBOX_SMTP_URL. */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Answers the next `count` messages with a temporary failure (451), as a struggling server would. */
  failNext(count: number): void;
  /** Waits until `count` messages to `to` arrived and answers them (the machine is loaded: no tight bound). */
  waitFor(to: string, count?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export const SMTP_USER = 'shoebox';
export const SMTP_PASSWORD = 'smtp-secret';

/** A real SMTP server inside the test process, requiring authentication (plain text on loopback). */
export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let failures = 0;
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          return;
        }
        received.push(
          parse(
            raw,
            session.envelope.rcptTo.map((to) => to.address),
          ),
        );
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`,
    received,
    failNext(count) {
      failures = count;
    },
    async waitFor(to, count = 1) {
      const mine = () => received.filter((mail) => mail.to.includes(to));
      await expect.poll(() => mine().length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(count);
      return mine();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const header = (raw: string, name: string) => new RegExp(`^${name}: *(.*)$`, 'im').exec(raw)?.[1]?.trim() ?? '';

function parse(raw: string, to: string[]): ReceivedMail {
  const unfolded = raw.replace(/\r\n[ \t]+/g, ' ');
  const body = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return { to, from: header(unfolded, 'From'), subject: header(unfolded, 'Subject'), messageId: header(unfolded, 'Message-ID'), body };
}

/** The link's type and token in a received message (the text part's link). */
export function linkIn(mail: ReceivedMail): { type: string; token: string; link: string } {
  const match = /(\S+\?type=([a-z-]+)&token=(sba_[A-Za-z0-9_-]+))/.exec(mail.body);
  if (!match?.[1] || !match[2] || !match[3]) throw new Error(`no account link in the message:\n${mail.body}`);
  return { link: match[1], type: match[2], token: match[3] };
}
