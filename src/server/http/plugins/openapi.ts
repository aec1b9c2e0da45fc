import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import type { SwaggerOptions } from '@fastify/swagger';
import { configFileJsonSchema } from '../../../contract/config-file.js';
import { MEMBER_RULES, rolesWith, type MemberRule } from '../../org/roles.js';
import type { Role } from '../../storage/schema.js';
import { scopeAllows } from './auth.js';

const SCOPES = ['read', 'incidents_write', 'full'] as const;
type Permission = 'public' | 'read' | 'respond' | 'manage' | 'own';
/** How the volunteer guard (http/routes/volunteers/access.ts) treats a route: passed in by app.ts. */
export type VolunteerRuleOf = (url: string, config: never) => 'open' | 'self' | 'service' | 'incident' | 'log_entry' | 'deny';

/**
 * Who may call an operation, as enforced: the route's permission (auth.ts: none means `manage`;
 * routes outside /api/ authenticate by their own key and are `public` to roles), the roles it
 * admits, the token scopes that reach it, and the rules on the member acted on that its handler
 * checks. Volunteers pass the volunteer guard too: on a route it denies them they are not in
 * `x-vigil-roles`; on the others `x-vigil-volunteer-access` says which of their own resources
 * they reach (`open`, `self`: their own user id, `service`/`incident`/`log_entry`: one they
 * were paged for). test/security/account-roles.test.ts and test/security/role-table.test.ts
 * hold these against the answers the server gives.
 */
export interface OperationRoles {
  'x-vigil-permission': Permission;
  'x-vigil-roles': Role[];
  'x-vigil-token-scopes'?: (typeof SCOPES)[number][];
  'x-vigil-member-rules'?: MemberRule[];
  'x-vigil-volunteer-access'?: ReturnType<VolunteerRuleOf>;
}

export function operationRoles(route: Pick<RouteOptions, 'url' | 'method' | 'config'>, volunteerRule: VolunteerRuleOf): OperationRoles {
  const config = (route.config ?? {}) as { permission?: Permission; query?: boolean; memberRules?: MemberRule[]; webSessionOnly?: boolean };
  const permission: Permission = route.url.startsWith('/api/') ? (config.permission ?? 'manage') : 'public';
  const method = String(Array.isArray(route.method) ? route.method[0] : route.method);
  let roles = rolesWith(permission).filter((r) => (config.memberRules ?? []).every((rule) => !MEMBER_RULES[rule].onCaller || MEMBER_RULES[rule].allows(r, r)));
  let volunteer: ReturnType<VolunteerRuleOf> | undefined;
  if (permission !== 'public' && roles.includes('volunteer')) {
    volunteer = volunteerRule(route.url, route.config as never);
    if (volunteer === 'deny') roles = roles.filter((r) => r !== 'volunteer');
  }
  const out: OperationRoles = { 'x-vigil-permission': permission, 'x-vigil-roles': roles };
  if (volunteer && volunteer !== 'deny') out['x-vigil-volunteer-access'] = volunteer;
  if (permission !== 'public') out['x-vigil-token-scopes'] = config.webSessionOnly ? [] : SCOPES.filter((s) => scopeAllows(s, permission, method, config.query === true));
  if (config.memberRules?.length) out['x-vigil-member-rules'] = config.memberRules;
  return out;
}

const PERMISSION_WORDS: Record<Permission, string> = {
  public: 'no token (a link, a routing key or a sign-in step)',
  read: 'every role',
  respond: 'act on incidents',
  manage: 'configuration and members',
  own: 'owners only',
};

/** The table of the info description: each permission, the roles it admits and how many operations need it; then the member rules. */
export function roleTableMarkdown(paths: Record<string, Record<string, Partial<OperationRoles>>>): string {
  const count = new Map<Permission, number>();
  for (const ops of Object.values(paths)) for (const op of Object.values(ops)) if (op['x-vigil-permission']) count.set(op['x-vigil-permission'], (count.get(op['x-vigil-permission']) ?? 0) + 1);
  const rows = (Object.keys(PERMISSION_WORDS) as Permission[]).map((p) => `| \`${p}\` | ${PERMISSION_WORDS[p]} | ${p === 'public' ? 'anyone' : rolesWith(p).join(', ')} | ${count.get(p) ?? 0} |`);
  const rules = (Object.keys(MEMBER_RULES) as MemberRule[]).map((r) => `| \`${r}\` | ${MEMBER_RULES[r].text} |`);
  return [
    'Roles: each operation names the permission it needs (`x-vigil-permission`), the roles that may call it (`x-vigil-roles`), the API token scopes that reach it (`x-vigil-token-scopes`; none: a signed-in browser only), when it acts on another member the rules on that member (`x-vigil-member-rules`), and for volunteers which of their own resources they reach (`x-vigil-volunteer-access`; a route that denies volunteers leaves them out of `x-vigil-roles`). A role outside `x-vigil-roles` is answered 403. The full table is docs/roles.md.',
    '',
    '| permission | meaning | roles | operations |',
    '|---|---|---|---|',
    ...rows,
    '',
    '| member rule | who passes |',
    '|---|---|',
    ...rules,
  ].join('\n');
}

/**
 * The OpenAPI document is generated from the same route schemas that validate and serialize.
 * It is built on its first request, not at start: @fastify/swagger and what it loads (yaml,
 * a JSON Schema resolver) were 1 MiB of every node's idle heap for a document few nodes
 * serve (docs/benchmarks.md, "Idle memory, stop 29"). The routes are collected as they are
 * registered, as @fastify/swagger collects them (HEAD twins left out); on the first request
 * they are declared again, with their schemas, config and handlers, on a throwaway Fastify
 * instance that carries @fastify/swagger and never listens, whose document is kept.
 */
export async function registerOpenApi(app: FastifyInstance, baseUrl: string, volunteerRule: VolunteerRuleOf): Promise<void> {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    if (route.method !== 'HEAD') routes.push(route);
  });
  const options: SwaggerOptions = {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Vigil API',
        version: '1.0.0',
        description:
          'Vigil REST API (PagerDuty REST v2 shapes under /api/v1) and ingest endpoints (PagerDuty Events API v2, Alertmanager webhook). Authenticate REST calls with "Authorization: Bearer <token>" or "Authorization: Token token=<token>".',
      },
      servers: [{ url: baseUrl }],
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
      security: [{ token: [] }],
    },
    transform: ({ schema, url, route }) => ({ schema: { ...(schema ?? {}), ...operationRoles({ url: route.url, method: route.method, config: route.config }, volunteerRule) } as typeof schema, url }),
    transformObject: (documentObject) => {
      const doc = (documentObject as { openapiObject: { info: { description?: string }; paths?: Record<string, Record<string, Partial<OperationRoles>>> } }).openapiObject;
      doc.info.description = `${doc.info.description ?? ''}\n\n${roleTableMarkdown(doc.paths ?? {})}`;
      return doc as never;
    },
  };
  let document: Promise<unknown> | null = null;
  const build = async (): Promise<unknown> => {
    const { default: swagger } = await import('@fastify/swagger');
    // Nothing is validated or serialized here: the document only reads the schemas.
    const scratch = Fastify({ exposeHeadRoutes: false });
    scratch.setValidatorCompiler(() => () => true);
    scratch.setSerializerCompiler(() => (data) => JSON.stringify(data));
    await scratch.register(swagger, options);
    scratch.after(() => {
      for (const r of routes) scratch.route({ method: r.method, url: r.url, schema: r.schema, config: r.config, handler: r.handler } as RouteOptions);
    });
    await scratch.ready();
    try {
      return scratch.swagger();
    } finally {
      await scratch.close();
    }
  };
  app.get('/api/v1/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => {
    // A failed build is not kept: the next request tries again.
    document ??= build().catch((err: unknown) => {
      document = null;
      throw err;
    });
    return document;
  });
  // Beside it: the JSON Schema of the `vigil export` / `vigil apply` file (docs/vigil-config.schema.json).
  app.get('/api/v1/vigil-config.schema.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => configFileJsonSchema());
}
