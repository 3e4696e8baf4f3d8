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
  /**
   * Verified against when the email is unknown, so both answers cost one scrypt. Only its salt and
   * parameters are used (the answer is false whatever key it holds), so it needs no scrypt of its
   * own: deriving one cost every start tens of milliseconds and a burst of scrypt's memory.
   */
  private readonly decoy: string;

  constructor(private readonly logN: number) {
    this.decoy = this.format(randomBytes(16), randomBytes(KEY_LENGTH));
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    return this.format(salt, await derive(password, salt, this.logN, R, P));
  }

  private format(salt: Buffer, key: Buffer): string {
    return ['scrypt', this.logN, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** Whether `password` matches `stored`; with no stored hash, does the same work and answers false. */
  async verify(password: string, stored: string | null): Promise<boolean> {
    const [scheme, logN, r, p, salt, expected] = (stored ?? this.decoy).split('$');
    if (scheme !== 'scrypt' || !logN || !r || !p || salt === undefined || expected === undefined) return false;
    const key = await derive(password, Buffer.from(salt, 'base64url'), Number(logN), Number(r), Number(p));
    const expectedKey = Buffer.from(expected, 'base64url');
    return key.length === expectedKey.length && timingSafeEqual(key, expectedKey) && stored !== null;
  }
}
