import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage, listUsers } from '../../data/people';
import { PAGE, SCOPE_WORDS, auditLog, createToken, listTokens, revokeToken } from '../../data/settings';
import { listServices } from '../../data/services';
import { changePassword } from '../../data/session';
import { saveStatusSettings, statusSettings } from '../../data/status';
import type { ApiToken, Session, StatusPageSettings as StatusSettings } from '../../data/types';
import { Link, useLocation } from '../router';
import { CopyButton, ErrorBox, Field, Loading, Notice, PageHeader, Time } from '../ui';
import { TwoFactorCard, TwoFactorPolicyCard } from './TwoFactor';
import { Channels } from './Channels';

export function Settings({ session }: { session: Session }) {
  const { path } = useLocation();
  const manage = canManage(session.user.role);
  const tab = path === '/settings/tokens' ? 'tokens' : path === '/settings/audit' && manage ? 'audit' : path === '/settings/channels' && manage ? 'channels' : 'general';
  return (
    <>
      <PageHeader title="Settings" />
      <nav className="tabs" aria-label="Settings">
        <Link to="/settings" aria-current={tab === 'general' ? 'page' : undefined}>
          {session.user.role === 'volunteer' ? 'Password' : 'Status page and password'}
        </Link>
        <Link to="/settings/tokens" aria-current={tab === 'tokens' ? 'page' : undefined}>
          API tokens
        </Link>
        {manage && (
          <Link to="/settings/audit" aria-current={tab === 'audit' ? 'page' : undefined}>
            Audit log
          </Link>
        )}
        {manage && (
          <Link to="/settings/channels" aria-current={tab === 'channels' ? 'page' : undefined}>
            SMS and Matrix
          </Link>
        )}
      </nav>
      {tab === 'tokens' ? (
        <Tokens session={session} />
      ) : tab === 'audit' ? (
        <Audit />
      ) : tab === 'channels' ? (
        <Channels />
      ) : (
        <div className="grid">
          {session.user.role !== 'volunteer' && <StatusPageSettings manage={manage} />}
          <PasswordCard />
          <TwoFactorCard />
          {session.user.role === 'owner' && <TwoFactorPolicyCard />}
        </div>
      )}
    </>
  );
}

/** API tokens: yours (everyone's, for admins). A new token is shown once; the server keeps its hash. */
function Tokens({ session }: { session: Session }) {
  const manage = canManage(session.user.role);
  const tokens = useAsync(() => listTokens(), []);
  const users = useAsync(() => (manage ? listUsers() : Promise.resolve([])), [manage]);
  const [description, setDescription] = useState('');
  const [forUser, setForUser] = useState('');
  const [scope, setScope] = useState<ApiToken['scope']>('full');
  const [expiresIn, setExpiresIn] = useState('');
  const [created, setCreated] = useState<ApiToken | null>(null);
  const create = useAction(async () => {
    const t = await createToken(description.trim(), forUser || undefined, scope, expiresIn ? Number(expiresIn) : null);
    setCreated(t);
    setDescription('');
    await tokens.reload();
  });
  const revoke = useAction(async (id: string) => (await revokeToken(id), tokens.reload()));
  return (
    <div className="grid">
      <section className="card span-2" aria-labelledby="tok-h">
        <h2 id="tok-h">{manage ? 'API tokens of the organization' : 'Your API tokens'}</h2>
        <p className="muted small">
          For scripts, the CLI and PagerDuty clients: <code>Authorization: Bearer …</code>. A token acts with its member's role, narrowed by its scope.
        </p>
        <ErrorBox error={tokens.error ?? revoke.error} />
        {!tokens.data ? (
          <Loading what="tokens" />
        ) : tokens.data.length === 0 ? (
          <p className="muted">No tokens.</p>
        ) : (
          <ul className="plain tokens" aria-label="API tokens">
            {tokens.data.map((t) => (
              <li key={t.id} className="rule">
                <span>
                  <strong>{t.description}</strong>{' '}
                  <span className="muted small">
                    {t.user.summary ?? t.user.id} · {SCOPE_WORDS[t.scope]} · created <Time iso={t.created_at} /> ·{' '}
                    {t.last_used_at ? (
                      <>
                        last used <Time iso={t.last_used_at} />
                      </>
                    ) : (
                      'never used'
                    )}
                    {t.expires_at && (
                      <>
                        {' '}
                        · expires <Time iso={t.expires_at} />
                      </>
                    )}
                  </span>
                </span>
                <button type="button" className="btn btn-quiet btn-small" disabled={revoke.busy} onClick={() => void revoke.run(t.id)} aria-label={`Revoke ${t.description}`}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="newtok-h">
        <h2 id="newtok-h">New token</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setCreated(null);
            void create.run();
          }}
        >
          <Field label="What it is for">{(id) => <input id={id} value={description} maxLength={255} placeholder="Grafana alerts" onChange={(e) => setDescription(e.target.value)} />}</Field>
          {manage && (
            <Field label="For member">
              {(id) => (
                <select id={id} value={forUser} onChange={(e) => setForUser(e.target.value)}>
                  <option value="">Me</option>
                  {(users.data ?? [])
                    .filter((u) => u.id !== session.user.id)
                    .map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.name} ({u.vigil_role})
                      </option>
                    ))}
                </select>
              )}
            </Field>
          )}
          <Field label="It may">
            {(id) => (
              <select id={id} value={scope} onChange={(e) => setScope(e.target.value as ApiToken['scope'])}>
                {(Object.keys(SCOPE_WORDS) as ApiToken['scope'][]).map((s) => (
                  <option key={s} value={s}>
                    {SCOPE_WORDS[s]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Expires">
            {(id) => (
              <select id={id} value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)}>
                <option value="">never</option>
                <option value="30">in 30 days</option>
                <option value="90">in 90 days</option>
                <option value="365">in a year</option>
              </select>
            )}
          </Field>
          <ErrorBox error={create.error} />
          <button type="submit" className="btn btn-primary" disabled={create.busy || !description.trim()}>
            Create token
          </button>
        </form>
        {created?.token && (
          <Notice tone="warn">
            Copy this token now: it is not shown again.
            <span className="key-line">
              <code className="key" data-testid="new-token">
                {created.token}
              </code>
              <CopyButton text={created.token} label="Copy the new token" />
            </span>
          </Notice>
        )}
      </section>
    </div>
  );
}

/** The audit log (admins): volunteer data access, allowed or denied, and changes to it. Newest first, paged. */
function Audit() {
  const [offset, setOffset] = useState(0);
  const log = useAsync(() => auditLog(offset), [offset]);
  return (
    <section className="card" aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <p className="muted small">Who read or changed volunteer data, and who was refused. Kept for the organization's records.</p>
      <ErrorBox error={log.error} />
      {!log.data ? (
        <Loading what="the audit log" />
      ) : log.data.audit_log.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit log, newest first (scrolls sideways)">
          <table className="table">
            <caption className="sr-only">Audit log, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
              </tr>
            </thead>
            <tbody>
              {log.data.audit_log.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Time iso={a.at} />
                  </td>
                  <td>{a.user?.summary ?? 'system'}</td>
                  <td>
                    <code>{a.action}</code>
                  </td>
                  <td>
                    <code>{a.resource}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.data && (
        <div className="pager">
          <button type="button" className="btn btn-secondary" disabled={offset === 0} onClick={() => setOffset((o) => Math.max(0, o - PAGE))}>
            Newer
          </button>
          <span className="muted small">
            {log.data.total !== null ? `${Math.min(offset + 1, log.data.total)}–${Math.min(offset + PAGE, log.data.total)} of ${log.data.total}` : ''}
          </span>
          <button type="button" className="btn btn-secondary" disabled={!log.data.more} onClick={() => setOffset((o) => o + PAGE)}>
            Older
          </button>
        </div>
      )}
    </section>
  );
}

function StatusPageSettings({ manage }: { manage: boolean }) {
  const settings = useAsync(() => statusSettings(), []);
  const services = useAsync(() => listServices(), []);
  const [draft, setDraft] = useState<StatusSettings | null>(null);
  useEffect(() => {
    if (settings.data) setDraft(settings.data);
  }, [settings.data]);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    if (!draft) return;
    const r = await saveStatusSettings({ slug: draft.slug, title: draft.title, enabled: draft.enabled, components: draft.components });
    setDraft(r);
    setSaved(true);
  });
  const chosen = (id: string) => draft?.components.find((c) => c.service_id === id);
  const toggle = (id: string, name: string, on: boolean) =>
    setDraft((d) => d && { ...d, components: on ? [...d.components, { service_id: id, name, group: 'Services' }] : d.components.filter((c) => c.service_id !== id) });
  const edit = (id: string, patch: Partial<{ name: string; group: string }>) => setDraft((d) => d && { ...d, components: d.components.map((c) => (c.service_id === id ? { ...c, ...patch } : c)) });

  return (
    <section className="card span-2" aria-labelledby="sp-h">
      <h2 id="sp-h">Public status page</h2>
      <ErrorBox error={settings.error} />
      {!draft ? (
        <Loading what="status page settings" />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setSaved(false);
            void save.run();
          }}
        >
          <div className="check">
            <input id="sp-enabled" type="checkbox" checked={draft.enabled} disabled={!manage} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} />
            <label htmlFor="sp-enabled">Publish the status page (anyone with the address can see it, without signing in)</label>
          </div>
          <div className="row">
            <Field label="Title">{(id) => <input id={id} disabled={!manage} value={draft.title} maxLength={255} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />}</Field>
            <Field label="Page address" hint="Lowercase letters, digits and dashes.">
              {(id, d) => <input id={id} aria-describedby={d} disabled={!manage} value={draft.slug} maxLength={64} onChange={(e) => setDraft({ ...draft, slug: e.target.value })} />}
            </Field>
          </div>
          <p>
            Public address: <a href={draft.public_url}>{draft.public_url}</a>
          </p>
          <fieldset>
            <legend>Components</legend>
            <p className="hint">Choose the services to show, under a public name and group. The page shows nothing until you choose at least one: a service name is public only once you choose it.</p>
            {(services.data ?? []).map((s) => {
              const c = chosen(s.id);
              return (
                <div key={s.id} className="component-edit">
                  <div className="check">
                    <input id={`c-${s.id}`} type="checkbox" checked={Boolean(c)} disabled={!manage} onChange={(e) => toggle(s.id, s.name, e.target.checked)} />
                    <label htmlFor={`c-${s.id}`}>{s.name}</label>
                  </div>
                  {c && (
                    <div className="row">
                      <Field label={`Public name for ${s.name}`}>{(id) => <input id={id} value={c.name} maxLength={255} onChange={(e) => edit(s.id, { name: e.target.value })} />}</Field>
                      <Field label={`Group for ${s.name}`}>{(id) => <input id={id} value={c.group} maxLength={255} onChange={(e) => edit(s.id, { group: e.target.value })} />}</Field>
                    </div>
                  )}
                </div>
              );
            })}
          </fieldset>
          <ErrorBox error={save.error} />
          {saved && <Notice tone="ok">Saved.</Notice>}
          {manage && (
            <button type="submit" className="btn btn-primary" disabled={save.busy}>
              Save status page
            </button>
          )}
        </form>
      )}
    </section>
  );
}

function PasswordCard() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction(async () => {
    await changePassword(current, next);
    setCurrent('');
    setNext('');
    setDone(true);
  });
  return (
    <section className="card" aria-labelledby="pw-h">
      <h2 id="pw-h">Your password</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          void action.run();
        }}
      >
        <Field label="Current password">{(id) => <input id={id} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />}</Field>
        <Field label="New password" hint="At least 10 characters. Your other sessions are signed out.">
          {(id, d) => <input id={id} aria-describedby={d} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />}
        </Field>
        <ErrorBox error={action.error} />
        {done && <Notice tone="ok">Password changed.</Notice>}
        <button type="submit" className="btn btn-secondary" disabled={action.busy || next.length < 10}>
          Change password
        </button>
      </form>
    </section>
  );
}
