import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const R = 8;
const P = 1;

/** Emails compare case-insensitively and without surrounding spaces: one address, one account. */
export const normalizeEmail = (email: string): string => email.trim().normalize('NFC').toLowerCase();

/** The same visible password typed on two keyboards can differ in Unicode form; hash one form (NIST 800-63B). */
const normalizePassword = (password: string): string => password.normalize('NFKC');

const derive = (password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const N = 2 ** logN;
    const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
    scrypt(normalizePassword(password), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });

/**
 * scrypt password hashes, stored as `scrypt$logN$r$p$salt$hash` so the cost can rise later
 * without breaking existing accounts. Runs on libuv's thread pool, never blocking requests.
 */
export class PasswordHasher {
  private readonly decoy: Promise<string>;

  constructor(private readonly logN: number) {
    // Verified against when the email is unknown, so both answers cost one scrypt.
    this.decoy = this.hash(randomBytes(16).toString('base64url'));
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, this.logN, R, P);
    return ['scrypt', this.logN, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** Whether `password` matches `stored`; with no stored hash, does the same work and answers false. */
  async verify(password: string, stored: string | null): Promise<boolean> {
    const [scheme, logN, r, p, salt, expected] = (stored ?? (await this.decoy)).split('$');
    if (scheme !== 'scrypt' || !logN || !r || !p || salt === undefined || expected === undefined) return false;
    const key = await derive(password, Buffer.from(salt, 'base64url'), Number(logN), Number(r), Number(p));
    const expectedKey = Buffer.from(expected, 'base64url');
    return key.length === expectedKey.length && timingSafeEqual(key, expectedKey) && stored !== null;
  }
}
