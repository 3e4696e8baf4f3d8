import { chmodSync, statSync } from 'node:fs';

/**
 * Everything Shoebox writes in its data folder must be readable by its own user only: the
 * database holds the private key that signs access tokens, the secrets folder the URL signing
 * key. New files and folders get that from the umask, set here before anything is opened. A
 * folder made beforehand (`mkdir data`, a volume, a systemd StateDirectory) keeps the mode it was
 * made with, so it is tightened to 0700 when this user owns it; another user's folder is theirs to
 * change, so Shoebox refuses it, saying what to run. Answers whether it tightened the folder.
 */
export function secureDataFolder(root: string): boolean {
  process.umask(0o077);
  const uid = process.getuid?.();
  const stats = statSync(root, { throwIfNoEntry: false });
  // Without POSIX users (Windows) there are no mode bits to check; a folder not made yet will be made owner-only.
  if (uid === undefined || !stats || (stats.mode & 0o077) === 0) return false;
  if (stats.uid !== uid) {
    const mode = (stats.mode & 0o777).toString(8);
    throw new Error(
      `The data folder ${root} can be read by other users (mode ${mode}) and belongs to another user, so Shoebox leaves it as it is. ` +
        `Run \`chmod 700 ${root}\` as its owner (or set SHOEBOX_DATA_DIR to a folder of this user's), then start again.`,
    );
  }
  chmodSync(root, 0o700);
  return true;
}
