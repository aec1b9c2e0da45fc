/**
 * Sign-in with the organization's identity provider (issue 14 item 8): OpenID Connect
 * authorization code flow with PKCE (S256), through openid-client.
 *
 * `start` discovers the provider (through the outbound address policy), keeps the
 * state (hashed), nonce and PKCE verifier server-side (single use, 10 minutes) and
 * answers the provider's authorization URL. `finish` spends that sign-in, exchanges the
 * code, and lets openid-client validate the ID token: issuer, audience, nonce, expiry
 * and signature. The member is matched by a verified email (`email_verified` true) in
 * the organization, or created when just-in-time membership is on and the email's
 * domain is allowed (role from the groups claim mapping, else responder).
 *
 * Every refusal is an `OidcRefusal`: a short code and a sentence for the sign-in page.
 */
import http from 'node:http';
import https from 'node:https';
import type * as oidc from 'openid-client';
import type { Kysely } from 'kysely';
import { VigilError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { constantTimeEqual, hashSecret } from '../lib/secrets.js';
import { pinnedLookup, type OutboundPolicy } from '../lib/outbound-policy.js';
import { EMAIL_RE } from '../org/org.service.js';
import { getUserByEmail, insertUser } from '../org/org.store.js';
import { isRole } from '../org/roles.js';
import type { Database, OidcConfigTable, Role, UserTable } from '../storage/schema.js';
import * as store from './oidc.store.js';

type Db = Kysely<Database>;

export const OIDC_LOGIN_TTL_MS = 10 * 60_000;
const MAX_REPLY_BYTES = 1024 * 1024;
const TIMEOUT_MS = 10_000;
/** Roles a group may grant: never owner (ownership is handed over inside Vigil). */
const MAPPABLE: readonly Role[] = ['admin', 'responder', 'volunteer', 'observer'];
const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const DOMAIN_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export class OidcRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly orgId: string | null = null,
  ) {
    super(message);
  }
}

export interface GroupRole {
  group: string;
  role: Role;
}

export interface OidcConfigView {
  slug: string | null;
  display_name: string;
  issuer: string;
  client_id: string;
  client_secret_hint: string;
  allowed_email_domains: string[];
  groups_claim: string;
  group_roles: GroupRole[];
  jit_membership: boolean;
  password_sign_in: boolean;
  redirect_uri: string;
  created_at: string;
  updated_at: string;
}

export const redirectUri = (publicUrl: string): string => `${publicUrl}/api/v1/auth/oidc/callback`;

export function present(c: OidcConfigTable, publicUrl: string): OidcConfigView {
  return {
    slug: c.slug,
    display_name: c.display_name,
    issuer: c.issuer,
    client_id: c.client_id,
    client_secret_hint: c.client_secret.length > 8 ? `…${c.client_secret.slice(-4)}` : '…',
    allowed_email_domains: JSON.parse(c.allowed_domains) as string[],
    groups_claim: c.groups_claim,
    group_roles: JSON.parse(c.group_roles) as GroupRole[],
    jit_membership: c.jit_membership === 1,
    password_sign_in: c.password_sign_in === 1,
    redirect_uri: redirectUri(publicUrl),
    created_at: new Date(c.created_at).toISOString(),
    updated_at: new Date(c.updated_at).toISOString(),
  };
}

export const getConfig = (db: Db, orgId: string) => store.getOidcConfig(db, orgId);

const WRITABLE = ['slug', 'display_name', 'issuer', 'client_id', 'client_secret', 'allowed_email_domains', 'groups_claim', 'group_roles', 'jit_membership', 'password_sign_in'];
const READ_ONLY = ['client_secret_hint', 'redirect_uri', 'created_at', 'updated_at'];

/**
 * Create or replace the organization's configuration (owner). Fields left out keep their
 * value (the client secret too: it is write-only); a new configuration needs issuer,
 * client_id and client_secret. Unknown fields are refused, every problem named.
 */
export async function putConfig(db: Db, clock: Clock, orgId: string, input: Record<string, unknown>): Promise<OidcConfigTable> {
  const errors: string[] = [];
  const f = (k: string) => `oidc_configuration.${k}`;
  for (const k of Object.keys(input)) if (!WRITABLE.includes(k) && !READ_ONLY.includes(k)) errors.push(`${f(k)}: unknown field`);
  const existing = await store.getOidcConfig(db, orgId);
  const str = (k: string, max: number, required: boolean): string | undefined => {
    const v = input[k];
    if (v === undefined) {
      if (required) errors.push(`${f(k)}: required`);
      return undefined;
    }
    if (typeof v !== 'string' || !v.trim() || v.length > max) {
      errors.push(`${f(k)}: a non-empty string of at most ${max} characters`);
      return undefined;
    }
    return v.trim();
  };
  const bool = (k: string): boolean | undefined => {
    const v = input[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') errors.push(`${f(k)}: true or false`);
    return typeof v === 'boolean' ? v : undefined;
  };
  const issuer = str('issuer', 2000, !existing);
  if (issuer !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(issuer);
    } catch {
      errors.push(`${f('issuer')}: must be a URL, such as https://accounts.google.com`);
    }
    if (u && u.protocol !== 'https:' && u.protocol !== 'http:') errors.push(`${f('issuer')}: must be an https URL`);
    if (u && (u.search || u.hash || u.username || u.password)) errors.push(`${f('issuer')}: the issuer URL carries no query, fragment or credentials`);
  }
  const clientId = str('client_id', 500, !existing);
  const clientSecret = str('client_secret', 2000, !existing);
  const displayName = str('display_name', 100, false);
  let slug: string | null | undefined;
  if (input['slug'] === null) slug = null;
  else if (input['slug'] !== undefined) {
    const s = typeof input['slug'] === 'string' ? input['slug'].trim().toLowerCase() : '';
    if (!SLUG_RE.test(s)) errors.push(`${f('slug')}: lower-case letters, digits and dashes, at most 64 (e.g. "harbor")`);
    else if (await store.slugTaken(db, s, orgId)) errors.push(`${f('slug')}: "${s}" is taken by another organization`);
    else slug = s;
  }
  let domains: string[] | undefined;
  if (input['allowed_email_domains'] !== undefined) {
    const v = input['allowed_email_domains'];
    if (!Array.isArray(v) || v.length > 50) errors.push(`${f('allowed_email_domains')}: a list of at most 50 domains`);
    else {
      domains = [];
      for (const [i, d] of v.entries()) {
        const dd = typeof d === 'string' ? d.trim().toLowerCase().replace(/^@/, '') : '';
        if (!DOMAIN_RE.test(dd)) errors.push(`${f('allowed_email_domains')}[${i}]: a domain such as harbor.example`);
        else if (!domains.includes(dd)) domains.push(dd);
      }
    }
  }
  const groupsClaim = str('groups_claim', 100, false);
  let groupRoles: GroupRole[] | undefined;
  if (input['group_roles'] !== undefined) {
    const v = input['group_roles'];
    if (!Array.isArray(v) || v.length > 50) errors.push(`${f('group_roles')}: a list of at most 50 { group, role }`);
    else {
      groupRoles = [];
      for (const [i, g] of v.entries()) {
        const o = g && typeof g === 'object' && !Array.isArray(g) ? (g as Record<string, unknown>) : {};
        for (const k of Object.keys(o)) if (k !== 'group' && k !== 'role') errors.push(`${f('group_roles')}[${i}].${k}: unknown field`);
        const group = typeof o['group'] === 'string' ? o['group'].trim() : '';
        if (!group || group.length > 255) errors.push(`${f('group_roles')}[${i}].group: the group's name as the provider sends it`);
        const role = o['role'];
        if (!isRole(role) || !MAPPABLE.includes(role)) errors.push(`${f('group_roles')}[${i}].role: one of ${MAPPABLE.join(', ')} (owner is never granted by a group)`);
        else if (group) groupRoles.push({ group, role });
      }
    }
  }
  const jit = bool('jit_membership');
  const pw = bool('password_sign_in');
  const now = clock.now();
  const row: OidcConfigTable = {
    org_id: orgId,
    slug: slug !== undefined ? slug : (existing?.slug ?? null),
    issuer: issuer ?? existing?.issuer ?? '',
    client_id: clientId ?? existing?.client_id ?? '',
    client_secret: clientSecret ?? existing?.client_secret ?? '',
    display_name: displayName ?? existing?.display_name ?? 'your identity provider',
    allowed_domains: domains ? JSON.stringify(domains) : (existing?.allowed_domains ?? '[]'),
    groups_claim: groupsClaim ?? existing?.groups_claim ?? 'groups',
    group_roles: groupRoles ? JSON.stringify(groupRoles) : (existing?.group_roles ?? '[]'),
    jit_membership: jit !== undefined ? Number(jit) : (existing?.jit_membership ?? 0),
    password_sign_in: pw !== undefined ? Number(pw) : (existing?.password_sign_in ?? 1),
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  if (!errors.length && row.jit_membership === 1 && row.allowed_domains === '[]') {
    errors.push(`${f('jit_membership')}: just-in-time membership needs allowed_email_domains, or anyone the provider knows (any Google account, say) would join`);
  }
  if (errors.length) throw new VigilError('invalid_input', errors);
  await store.putOidcConfig(db, row);
  return row;
}

export const deleteConfig = (db: Db, orgId: string) => store.deleteOidcConfig(db, orgId);

/** Whether password sign-in is open to this member: always for owners (break-glass), else unless the organization turned it off. */
export async function passwordSignInAllowed(db: Db, orgId: string, role: Role): Promise<boolean> {
  if (role === 'owner') return true;
  const c = await store.getOidcConfig(db, orgId);
  return !c || c.password_sign_in === 1;
}

/** What the sign-in page shows: the provider's name, when the organization has one. */
export async function publicProvider(db: Db, slugOrOrgId: string): Promise<{ display_name: string; password_sign_in: boolean } | undefined> {
  const c = await store.findOidcConfig(db, slugOrOrgId);
  return c && { display_name: c.display_name, password_sign_in: c.password_sign_in === 1 };
}

/**
 * fetch for openid-client that connects only where the outbound address policy allows,
 * pinned to the address checked, and never follows a redirect.
 */
export function policyFetch(policy: OutboundPolicy): oidc.CustomFetch {
  return async (url, options) => {
    const u = new URL(url);
    const target = await policy.resolve(u.hostname);
    if (!target.ok) throw target.blocked ? new OidcRefusal('outbound_blocked', "the identity provider's address is blocked by the outbound policy (VIGIL_OUTBOUND_ALLOW)") : target.error;
    const body = options.body === undefined || options.body === null ? undefined : typeof options.body === 'string' ? Buffer.from(options.body) : options.body instanceof URLSearchParams ? Buffer.from(options.body.toString()) : Buffer.from(options.body as ArrayBuffer);
    const headers: Record<string, string> = {};
    new Headers(options.headers as ConstructorParameters<typeof Headers>[0]).forEach((v, k) => (headers[k] = v));
    if (body) headers['content-length'] = String(body.byteLength);
    const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS);
    const mod = u.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = mod.request(u, { method: options.method, headers, signal, lookup: pinnedLookup(target.address, target.family) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.byteLength;
          if (size > MAX_REPLY_BYTES) res.destroy(new Error('the identity provider answered more than 1 MB'));
          else chunks.push(c);
        });
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, one);
          const status = res.statusCode ?? 502;
          const nullBody = status === 204 || status === 304;
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: h }));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}

/** Discovery (issuer checked by openid-client against the configured one); the app's clock is the one tokens are checked against. */
/** openid-client (with jose and oauth4webapi), loaded with the first sign-in through a provider, not at start. */
const openidClient = (): Promise<typeof oidc> => import('openid-client');

/**
 * Discovered providers' metadata, kept for DISCOVERY_TTL_MS so that a sign-in (start, then
 * callback) asks the provider for its discovery document once, not twice, and a burst of
 * members signing in does not ask it once each. The key holds what discovery depends on: a
 * changed issuer, client or secret, or a different outbound policy, is discovered again.
 * The clock's skew is applied per sign-in (a Configuration is cheap to build from the
 * metadata). Bounded: the oldest entry goes first.
 */
const DISCOVERY_TTL_MS = 10 * 60_000;
const DISCOVERY_CACHE_MAX = 64;
const discovered = new Map<string, { server: oidc.ServerMetadata; at: number }>();
const outboundPolicyIds = new WeakMap<OutboundPolicy, number>();
let policiesSeen = 0;

async function discover(c: OidcConfigTable, policy: OutboundPolicy, clock: Clock): Promise<oidc.Configuration> {
  const client = await openidClient();
  const issuer = new URL(c.issuer);
  // Plain http only to a host the operator named in VIGIL_OUTBOUND_ALLOW (a lab or test provider).
  const insecure = issuer.protocol === 'http:';
  if (insecure && !policy.namesHost(issuer.hostname)) throw new OidcRefusal('insecure_issuer', 'the issuer URL must be https', c.org_id);
  const skew = Math.round((clock.now() - Date.now()) / 1000);
  let policyId = outboundPolicyIds.get(policy);
  if (policyId === undefined) outboundPolicyIds.set(policy, (policyId = ++policiesSeen));
  const key = JSON.stringify([c.org_id, c.issuer, c.client_id, hashSecret(c.client_secret), policyId]);
  const hit = discovered.get(key);
  if (hit && clock.now() - hit.at < DISCOVERY_TTL_MS) {
    const cfg = new client.Configuration(hit.server, c.client_id, { client_secret: c.client_secret, [client.clockSkew]: skew }, client.ClientSecretPost(c.client_secret));
    cfg[client.customFetch] = policyFetch(policy);
    cfg.timeout = TIMEOUT_MS / 1000;
    if (insecure) client.allowInsecureRequests(cfg);
    return cfg;
  }
  try {
    const cfg = await client.discovery(issuer, c.client_id, { client_secret: c.client_secret, [client.clockSkew]: skew }, client.ClientSecretPost(c.client_secret), {
      [client.customFetch]: policyFetch(policy),
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      timeout: TIMEOUT_MS / 1000,
    });
    if (insecure) client.allowInsecureRequests(cfg);
    discovered.delete(key);
    discovered.set(key, { server: cfg.serverMetadata(), at: clock.now() });
    while (discovered.size > DISCOVERY_CACHE_MAX) discovered.delete(discovered.keys().next().value!);
    return cfg;
  } catch (err) {
    if (err instanceof OidcRefusal) throw new OidcRefusal(err.code, err.message, c.org_id);
    throw new OidcRefusal('discovery_failed', `the identity provider could not be discovered at ${c.issuer}: ${describe(err)}`, c.org_id);
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string }; error?: string; error_description?: string };
  if (e?.error) return `${e.error}${e.error_description ? ` (${e.error_description})` : ''}`;
  // openid-client wraps oauth4webapi's precise reason (which claim, which check) as the cause.
  const cause = e?.cause?.message && e.cause.message !== e.message ? `: ${e.cause.message}` : '';
  return `${String(e?.message ?? err)}${cause}`.slice(0, 300);
}

/** The first step: where to send the browser. */
export async function start(db: Db, policy: OutboundPolicy, clock: Clock, publicUrl: string, slugOrOrgId: string): Promise<{ orgId: string; url: string; state: string }> {
  const c = await store.findOidcConfig(db, slugOrOrgId);
  if (!c) throw new OidcRefusal('not_configured', 'this organization has no identity provider configured for sign-in');
  const cfg = await discover(c, policy, clock);
  const client = await openidClient();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const now = clock.now();
  await store.pruneOidcLogins(db, now - 86_400_000);
  await store.insertOidcLogin(db, { org_id: c.org_id, id: newId(now), state_hash: hashSecret(state), nonce, code_verifier: verifier, expires_at: now + OIDC_LOGIN_TTL_MS, used_at: null, created_at: now });
  const url = client.buildAuthorizationUrl(cfg, {
    redirect_uri: redirectUri(publicUrl),
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { orgId: c.org_id, url: url.href, state };
}

/** The callback: a signed-in member (found, or created just in time), or an OidcRefusal. */
export async function finish(db: Db, policy: OutboundPolicy, clock: Clock, publicUrl: string, callbackUrl: URL, browserState: string | undefined): Promise<{ orgId: string; userId: string; created: boolean }> {
  const state = callbackUrl.searchParams.get('state');
  if (!state) throw new OidcRefusal('missing_state', 'the identity provider sent no state; start signing in again');
  // The state must come back to the browser that started: a callback link made by someone else (login CSRF) is refused.
  if (!browserState || !constantTimeEqual(browserState, state)) throw new OidcRefusal('other_browser', 'this sign-in was started in another browser (or its cookie was lost); start signing in again here');
  const login = await store.spendOidcLogin(db, hashSecret(state), clock.now());
  if (!login) throw new OidcRefusal('state_unknown', 'this sign-in expired or was already used; start signing in again');
  const c = await store.getOidcConfig(db, login.org_id);
  if (!c) throw new OidcRefusal('not_configured', 'this organization no longer has an identity provider configured', login.org_id);
  const cfg = await discover(c, policy, clock);
  const client = await openidClient();
  let claims: Record<string, unknown>;
  try {
    const current = new URL(redirectUri(publicUrl));
    current.search = callbackUrl.search;
    const tokens = await client.authorizationCodeGrant(cfg, current, { pkceCodeVerifier: login.code_verifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true });
    const id = tokens.claims();
    if (!id) throw new Error('no ID token');
    claims = { ...id };
    // Many providers put email and groups in the UserInfo answer only.
    if (typeof id['email'] !== 'string' || !(c.groups_claim in id)) {
      const info = await client.fetchUserInfo(cfg, tokens.access_token, id.sub);
      claims = { ...info, ...id };
      for (const k of ['email', 'email_verified', 'name', c.groups_claim]) if (!(k in id) && k in info) claims[k] = info[k];
    }
  } catch (err) {
    if (err instanceof OidcRefusal) throw new OidcRefusal(err.code, err.message, c.org_id);
    throw new OidcRefusal('token_refused', `the identity provider's answer was refused: ${describe(err)}`, c.org_id);
  }
  const email = typeof claims['email'] === 'string' ? claims['email'].trim().toLowerCase() : '';
  if (!email || !EMAIL_RE.test(email)) throw new OidcRefusal('no_email', 'the identity provider sent no email address (ask for the "email" scope)', c.org_id);
  if (claims['email_verified'] !== true) throw new OidcRefusal('email_unverified', `the identity provider has not verified ${email}`, c.org_id);
  const domains = JSON.parse(c.allowed_domains) as string[];
  const domain = email.split('@').pop()!;
  if (domains.length && !domains.includes(domain)) throw new OidcRefusal('domain_refused', `${domain} is not an email domain this organization signs in with`, c.org_id);
  const member = await getUserByEmail(db, c.org_id, email);
  if (member) return { orgId: c.org_id, userId: member.id, created: false };
  if (c.jit_membership !== 1) throw new OidcRefusal('not_a_member', `${email} is not a member of this organization; ask an admin to invite you`, c.org_id);
  const role = mappedRole(JSON.parse(c.group_roles) as GroupRole[], claims[c.groups_claim]) ?? 'responder';
  const now = clock.now();
  const name = typeof claims['name'] === 'string' && claims['name'].trim() ? claims['name'].trim().slice(0, 255) : email.split('@')[0]!;
  const user: UserTable = { org_id: c.org_id, id: newId(now), name, email, role, time_zone: null, created_at: now, deleted_at: null };
  await insertUser(db, user);
  return { orgId: c.org_id, userId: user.id, created: true };
}

/** The first mapping, in the order configured, whose group the member is in. */
export function mappedRole(map: GroupRole[], groups: unknown): Role | undefined {
  const have = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : typeof groups === 'string' ? [groups] : [];
  return map.find((m) => have.includes(m.group))?.role;
}
