import { Transform, type TransformCallback } from 'node:stream';
import { Problem } from '../errors.js';

/**
 * Passes bytes through until more than `maxBytes` arrive, then fails with `payload_too_large`
 * before the excess is passed on. `bytes` counts what went through.
 */
export class ByteLimit extends Transform {
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(new Problem('payload_too_large', `The body is larger than the ${this.maxBytes} bytes allowed. Send at most that much.`));
      return;
    }
    done(null, chunk);
  }
}
