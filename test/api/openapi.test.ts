/**
 * The OpenAPI document at /api/v1/openapi.json is generated from the route
 * schemas; this keeps it complete: every route the app registers is described,
 * except those deliberately marked `hide` (the web app's pages and assets,
 * one-click link pages, provider callbacks, and the document itself).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type RegisteredRoute } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config/config.js';
import { makeDeps } from '../../src/server/main.js';
import { createTestDb, type TestDb } from '../harness.js';

describe('OpenAPI document', () => {
  let db: TestDb;
  let routes: RegisteredRoute[];
  let doc: { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    db = await createTestDb('sqlite');
    const app = await buildApp(makeDeps(db.handle, loadConfig({ PORT: '0' })), { logger: false });
    routes = app.vigilRoutes;
    doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    await app.close();
  });
  afterAll(async () => db.drop());

  it('describes every route the app serves', () => {
    expect(routes.filter((r) => !r.hidden).length).toBeGreaterThan(80);
    const toOpenApi = (u: string) => u.replace(/:([A-Za-z_]+)/g, '{$1}');
    const missing = routes
      .filter((r) => !r.hidden && r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .filter((r) => !doc.paths[toOpenApi(r.url)]?.[r.method.toLowerCase()])
      .map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });

  it('hides only pages, assets, link pages and provider callbacks', () => {
    const hiddenApi = routes.filter((r) => r.hidden && r.url.startsWith('/api/v1/') && r.url !== '/api/v1/openapi.json' && r.url !== '/api/v1/vigil-config.schema.json');
    expect(hiddenApi.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });
});
