import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../testing/harness.js';
import { resolved } from '../testing/openapi.js';

describe('health, metrics, logs, OpenAPI and headers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('answers /healthz and /readyz', async () => {
    expect(await json(await fetch(`${server.url}/healthz`))).toEqual({ status: 'ok' });
    expect(await json(await fetch(`${server.url}/readyz`))).toEqual({ status: 'ready' });
  });

  it('echoes a sane x-request-id and replaces an unsafe one', async () => {
    const echoed = await server.v1('/v1/ping', { headers: { 'x-request-id': 'client-abc.123' } });
    expect(echoed.headers.get('x-request-id')).toBe('client-abc.123');
    const replaced = await server.v1('/v1/ping', { headers: { 'x-request-id': 'bad id with spaces <script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one structured line per request with id, route, status, duration and key id', async () => {
    const response = await server.v1('/v1/ping', { headers: { 'x-request-id': 'log-check-1' } });
    const { apiKeyId } = await json(response);
    const line = server.logs.find((entry) => entry.requestId === 'log-check-1');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', route: '/v1/ping', status: 200, apiKeyId, durationMs: expect.any(Number) });
    expect(JSON.stringify(server.logs)).not.toContain(server.apiKey);
  });

  it('exposes Prometheus metrics by route and status, rejections by reason and process metrics, to the admin token only', async () => {
    await server.v1('/v1/ping');
    await fetch(`${server.url}/v1/ping`);
    const anonymous = await fetch(`${server.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await json(anonymous)).toMatchObject({ code: 'admin_token_required' });
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer not-the-admin-token-0123456789' } });
    expect(wrong.status).toBe(403);
    expect(await json(wrong)).toMatchObject({ code: 'admin_token_invalid' });
    const metrics = await server.admin('/metrics');
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/shoebox_http_requests_total\{method="GET",route="\/v1\/ping",status="200"\} \d+/);
    expect(text).toMatch(/shoebox_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/ping",status="200"\}/);
    expect(text).toMatch(/shoebox_http_rejections_total\{reason="api_key_missing"\} \d+/);
    expect(text).toContain('shoebox_process_resident_memory_bytes');
  });

  it('publishes an OpenAPI 3.1 document describing routes, security and problems, and a reference page', async () => {
    const doc = await json(await fetch(`${server.url}/openapi.json`));
    expect(doc.openapi).toBe('3.1.0');
    // The port was chosen at listen time: the document names the real one, for the page's "Try it out".
    expect(doc.servers).toEqual([{ url: server.url }]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    expect(doc.components.schemas.Problem).toBeDefined();
    const create = doc.paths['/admin/keys'].post;
    expect(resolved(doc, create.requestBody.content['application/json'].schema).properties.name).toMatchObject({ maxLength: 100 });
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
    expect(Object.keys(doc.paths['/v1/ping'].get.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '429']));
    const page = await fetch(`${server.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
  });

  it("serves the reference page's files, its copy of the document, and problems for what it lacks", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-request-id')).toBeTruthy();
    const bundle = await fetch(`${server.url}/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    const document = await json(await fetch(`${server.url}/docs/json`));
    expect(document.servers).toEqual([{ url: server.url }]);
    expect(document.paths['/v1/ping']).toBeDefined();
    const missing = await fetch(`${server.url}/docs/no-such-file.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect((await json(missing)).code).toBe('route_not_found');
  });

  it('sends security headers and no CORS headers by default', async () => {
    const response = await server.v1('/v1/ping', { headers: { origin: 'https://evil.example' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('metrics on a listener of their own', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { SHOEBOX_METRICS_PORT: '0' } });
  });
  afterAll(() => server.stop());

  it('serves /metrics without the admin token on loopback, and nothing else there', async () => {
    await server.v1('/v1/ping');
    const { metricsUrl } = server.server;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(server.url);
    const metrics = await fetch(`${metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/shoebox_http_requests_total\{method="GET",route="\/v1\/ping",status="200"\} \d+/);
    expect((await fetch(`${metricsUrl}/v1/ping`, { headers: { 'x-api-key': server.apiKey } })).status).toBe(404);
    expect((await fetch(`${metricsUrl}/admin/keys`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).status).toBe(404);
    // The API port still asks for the admin token.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
  });
});

describe('CORS when configured', () => {
  it('allows only the configured origins and exposes the rate-limit headers', async () => {
    const server = await startTestServer({ env: { SHOEBOX_CORS_ORIGINS: 'https://app.example.com' } });
    try {
      const allowed = await server.v1('/v1/ping', { headers: { origin: 'https://app.example.com' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(allowed.headers.get('access-control-expose-headers')).toContain('ratelimit-remaining');
      const other = await server.v1('/v1/ping', { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${server.url}/v1/ping`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'x-api-key',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-max-age')).toBe('600');
    } finally {
      await server.stop();
    }
  });
});
