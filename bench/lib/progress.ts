/**
 * A progress bar on stderr, redrawn in place on a terminal; elsewhere (CI logs) one line per tenth.
 * No dependency: it is one line of text.
 */
const WIDTH = 24;

export class Progress {
  private label = '';
  private total = 1;
  private done = 0;
  private lastTenth = -1;
  private readonly began = Date.now();
  private readonly tty = process.stderr.isTTY === true;

  begin(label: string, total: number): void {
    this.label = label;
    this.total = Math.max(1, total);
    this.done = 0;
    this.lastTenth = -1;
    this.draw('');
  }

  step(caseName: string): void {
    this.done = Math.min(this.total, this.done + 1);
    this.draw(caseName);
  }

  end(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }

  private draw(caseName: string): void {
    const fraction = (this.done - (this.done > 0 ? 1 : 0)) / this.total;
    const filled = Math.round(fraction * WIDTH);
    const seconds = Math.round((Date.now() - this.began) / 1000);
    const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${clock} ${this.label} ${this.done}/${this.total} ${caseName}`;
    if (this.tty) {
      const columns = process.stderr.columns ?? 100;
      process.stderr.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      process.stderr.write(`${line}\n`);
    }
  }
}
