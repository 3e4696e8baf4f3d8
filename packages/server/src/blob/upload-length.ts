import { Problem } from '../errors.js';

/**
 * An upload is exactly the length declared when its URL was signed, as an S3 presigned PUT is:
 * the problem says which way it is off. Checked where the bytes arrive (the filesystem store's
 * route) and where they are adopted (every store).
 */
export function checkUploadLength(received: number, declared: number): void {
  if (received > declared) {
    throw new Problem(
      'payload_too_large',
      `The upload has ${received} bytes, but ${declared} were declared. Send exactly the declared bytes.`,
    );
  }
  if (received < declared) {
    throw new Problem(
      'upload_incomplete',
      `The upload has ${received} of the ${declared} declared bytes. Send exactly the declared bytes.`,
    );
  }
}
