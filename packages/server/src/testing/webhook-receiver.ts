import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request a receiver got, and whether its signature verified with the secrets it knew then. */
export interface Received {
  readonly deliveryId: string;
  readonly body: any;
  readonly raw: string;
  readonly signature: string;
  /** The secrets whose v1= signature was found in the header. */
  readonly signedWith: readonly string[];
  /** What it answered: a status, or 'hang' for no answer at all. */
  readonly answer: number | 'hang';
}

/** What the receiver answers the `index`-th request (from 0): a status, 'hang' or a redirect. */
export type Behaviour = (index: number, request: IncomingMessage) => number | 'hang' | { redirect: string };

export interface WebhookReceiver {
  readonly url: string;
  readonly received: Received[];
  /** The secrets signatures are checked against. */
  secrets: string[];
  behaviour: Behaviour;
  /** Deliveries acknowledged (answered 2xx), the first acknowledgement of each delivery id, in arrival order. */
  acknowledged(): Received[];
  close(): Promise<void>;
}

/**
 * A webhook receiver on a loopback port, verifying signatures as the README tells receivers to:
 * HMAC-SHA256 of "<t>.<raw body>" with the secret, compared in constant time with each v1=.
 */
export async function startReceiver(behaviour: Behaviour = () => 200): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const receiver: WebhookReceiver = {
    url: '',
    received,
    secrets: [],
    behaviour,
    acknowledged() {
      const seen = new Set<string>();
      return received.filter((r) => typeof r.answer === 'number' && r.answer < 300 && !seen.has(r.deliveryId) && seen.add(r.deliveryId));
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const signature = String(request.headers['shoebox-signature'] ?? '');
    const decided = receiver.behaviour(received.length, request);
    const answer = typeof decided === 'object' ? 307 : decided;
    received.push({
      deliveryId: String(request.headers['shoebox-delivery'] ?? ''),
      body: JSON.parse(raw),
      raw,
      signature,
      signedWith: receiver.secrets.filter((secret) => verifies(signature, raw, secret)),
      answer,
    });
    if (answer === 'hang') return;
    if (typeof decided === 'object') response.setHeader('location', decided.redirect);
    response.statusCode = answer;
    response.end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return Object.assign(receiver, { url: `http://127.0.0.1:${address.port}/hook` });
}

/** Whether `header` carries a v1= signature of `raw` with `secret`. */
function verifies(header: string, raw: string, secret: string): boolean {
  const parts = header.split(',').map((part) => part.split('=') as [string, string]);
  const timestamp = parts.find(([key]) => key === 't')?.[1];
  if (timestamp === undefined) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest();
  return parts.some(([key, value]) => key === 'v1' && value.length === 64 && timingSafeEqual(Buffer.from(value, 'hex'), expected));
}
