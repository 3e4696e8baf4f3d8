import { writeFileSync } from 'node:fs';
import { startTestServer } from '../packages/server/src/testing/harness.js';
const server = await startTestServer();
const doc = await (await fetch(`${server.url}/openapi.json`)).json();
writeFileSync('/tmp/wt13-openapi.json', JSON.stringify(doc, null, 2));
await server.stop();
