import { Presets, SingleBar } from 'cli-progress';

/** A progress bar on stderr, drawn only in a terminal, so stdout carries only the command's answer. */
export const progressBar = (format: string): SingleBar => new SingleBar({ stream: process.stderr, format }, Presets.shades_classic);

/** A progress bar for work whose size is known only once it starts: drawn at the first report, redrawn at each. */
export function progressOnDemand(format: string): { progress: (done: number, total: number) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  return {
    progress(done, total) {
      if (!bar) {
        bar = progressBar(format);
        bar.start(total, 0);
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
