// A bare node:http server answering GET /v1/ping with fixed bytes: the baseline for the gateway.
import { createServer } from 'node:http';

const body = JSON.stringify({ pong: true, apiKeyId: 'key_baselinebaseline' });
const port = Number(process.argv[2]);
createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
