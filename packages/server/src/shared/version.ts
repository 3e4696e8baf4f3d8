import packageJson from '../../package.json' with { type: 'json' };

/** This build's version, as its package states it: shown by `shoebox --version` and written into backups. */
export const SHOEBOX_VERSION: string = packageJson.version;
