import { Presets, SingleBar } from 'cli-progress';

/** A progress bar on stderr, drawn only in a terminal, so stdout carries only the command's answer. */
export const progressBar = (format: string): SingleBar => new SingleBar({ stream: process.stderr, format }, Presets.shades_classic);
