/**
 * The web UI's server side, as one route module (registered in app.ts): session
 * cookies beside API tokens, sign-in and account links, live updates, the public
 * status page, the test event, and the built React app itself.
 */
import type { App, AppDeps } from '../http/deps.js';
import { accountRoutes } from './account.routes.js';
import { registerSessionAuth } from './session.hook.js';
import { staticRoutes } from './static.js';
import { statusRoutes } from './status.routes.js';
import { streamRoutes } from './stream.routes.js';
import { testEventRoutes } from './test-event.routes.js';
import { testPageRoutes } from './test-page.routes.js';

export function webRoutes(app: App, deps: AppDeps): void {
  registerSessionAuth(app, deps);
  accountRoutes(app, deps);
  streamRoutes(app, deps);
  statusRoutes(app, deps);
  testEventRoutes(app, deps);
  testPageRoutes(app, deps);
  staticRoutes(app, deps);
}
