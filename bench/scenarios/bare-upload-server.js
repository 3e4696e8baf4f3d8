// A bare node:http server that streams each PUT body to a file, flushed and renamed into place:
// the least any HTTP upload endpoint does, for the photo upload baseline.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = mkdtempSync(join(tmpdir(), 'shoebox-bench-bare-'));
process.on('SIGTERM', () => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
createServer(async (request, response) => {
  const temp = join(dir, `${randomUUID()}.part`);
  await pipeline(request, createWriteStream(temp, { flush: true }));
  await rename(temp, join(dir, randomUUID()));
  response.writeHead(204);
  response.end();
}).listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
