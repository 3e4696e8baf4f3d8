import { ConflictError, ShoeboxError } from '@shoebox/client';

/** What to tell the user when a call failed: what happened and what to do. */
export function messageOf(error: unknown): string {
  if (!(error instanceof ShoeboxError)) return 'Something went wrong. Please try again.';
  if (error.code === 'network_error' || !navigator.onLine) return 'You seem to be offline. Check your connection and try again.';
  if (error.code === 'aborted') return 'Cancelled.';
  if (error instanceof ConflictError)
    return 'This note was changed on another device. Choose which version to keep under My notes and photos.';
  if (error.status === 429) {
    const wait = error.retryAfter === undefined ? 'a moment' : `${Math.ceil(error.retryAfter)} seconds`;
    return `Too many requests right now. Please wait ${wait} and try again.`;
  }
  if (error.code === 'payload_too_large' || error.code === 'storage_quota_exceeded') return `Too large: ${error.message}`;
  if (error.code === 'unsupported_media_type') return 'This type of file is not supported. Choose a JPEG, PNG, WebP or AVIF image.';
  if (error.status >= 500) return 'Shoebox had a problem. Please try again in a little while.';
  return error.message;
}
