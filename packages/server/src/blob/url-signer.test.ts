import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/harness.js';
import { loadUrlSigningKey, UrlSigner } from './url-signer.js';

const signer = new UrlSigner(randomBytes(32));
const inAMinute = () => new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
const upload = () =>
  signer.sign({ method: 'PUT', key: 'photos/pho_a/original', contentType: 'image/jpeg', contentLength: 1234, expiresAt: inAMinute() });
const download = () =>
  signer.sign({ method: 'GET', key: 'photos/pho_a/thumb', contentType: 'image/jpeg', cache: 'immutable', expiresAt: inAMinute() });

/** Replaces the character at `index` with another base64url character. */
const flip = (token: string, index: number) => {
  const i = index < 0 ? token.length + index : index;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
};

describe('signed URL tokens', () => {
  it('carry their claims to verification', () => {
    // One expiry for both sides: two calls can fall on either side of a second.
    const expiresAt = inAMinute();
    const token = signer.sign({ method: 'PUT', key: 'photos/pho_a/original', contentType: 'image/jpeg', contentLength: 1234, expiresAt });
    expect(signer.verify(token, 'PUT')).toEqual({
      method: 'PUT',
      key: 'photos/pho_a/original',
      contentType: 'image/jpeg',
      contentLength: 1234,
      expiresAt,
    });
    expect(signer.verify(download(), 'GET')).toMatchObject({ method: 'GET', key: 'photos/pho_a/thumb', cache: 'immutable' });
  });

  it.each([
    { name: 'a changed payload', token: () => flip(upload(), 3) },
    { name: 'a changed MAC', token: () => flip(upload(), -5) },
    { name: 'the last MAC character spelt differently', token: () => flip(upload(), -1) },
    { name: "another server's token", token: () => new UrlSigner(randomBytes(32)).sign(signer.verify(upload(), 'PUT')) },
    { name: 'a payload from one token with the MAC of another', token: () => `${download().split('.')[0]}.${upload().split('.')[1]}` },
    { name: 'an empty token', token: () => '' },
    { name: 'a traversal', token: () => '../../../../etc/passwd' },
    { name: 'encoded dots', token: () => '%2e%2e%2f%2e%2e%2fetc%2fpasswd' },
    { name: 'backslashes', token: () => '..\\..\\secrets\\blob-url-signing.key' },
    { name: 'a NUL', token: () => `${upload()}\0` },
    { name: 'an absolute path', token: () => '/etc/passwd' },
    { name: 'a very long token', token: () => `${'A'.repeat(5000)}.${'A'.repeat(43)}` },
  ])('refuse $name as invalid', ({ token }) => {
    expect(() => signer.verify(token(), 'PUT')).toThrow(expect.objectContaining({ code: 'signed_url_invalid', status: 403 }));
  });

  it('work for their own method only', () => {
    expect(() => signer.verify(upload(), 'GET')).toThrow(expect.objectContaining({ code: 'signed_url_invalid' }));
    expect(() => signer.verify(download(), 'PUT')).toThrow(expect.objectContaining({ code: 'signed_url_invalid' }));
  });

  it('expire', () => {
    const token = upload();
    expect(() => signer.verify(token, 'PUT', Date.now() + 61_000)).toThrow(
      expect.objectContaining({ code: 'signed_url_expired', status: 403 }),
    );
  });
});

describe('the URL signing key', () => {
  it('is made once, kept owner-only and read back on later starts', () => {
    const base = tempDir();
    const dir = join(base, 'secrets');
    try {
      const first = loadUrlSigningKey(dir);
      expect(first.length).toBe(32);
      expect(loadUrlSigningKey(dir).equals(first)).toBe(true);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'blob-url-signing.key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'blob-url-signing.key'), 'utf8').trim()).toBe(first.toString('hex'));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
