import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage, listUsers, updateUser } from '../../data/people';
import { PAGE, SCOPE_WORDS, auditLog, createToken, listTokens, revokeToken } from '../../data/settings';
import { listServices } from '../../data/services';
import { changePassword } from '../../data/session';
import { saveStatusSettings, statusSettings } from '../../data/status';
import type { ApiToken, Session, StatusPageSettings as StatusSettings } from '../../data/types';
import { Link, useLocation } from '../router';
import { CopyButton, ErrorBox, Field, Loading, Notice, PageHeader, Time } from '../ui';
import { TwoFactorCard, TwoFactorPolicyCard } from './TwoFactor';
import { Channels } from './Channels';
import { StatusSubscribers } from './StatusSubscribers';
import { LANGS, LANGUAGE_NAME, langOf, LOCALE_OF, msg, rememberLanguage, setLanguage, useLanguage, type Lang } from '../../i18n';

export function Settings({ session }: { session: Session }) {
  const { path } = useLocation();
  const manage = canManage(session.user.role);
  const tab = path === '/settings/tokens' ? 'tokens' : path === '/settings/audit' && manage ? 'audit' : path === '/settings/channels' && manage ? 'channels' : 'general';
  return (
    <>
      <PageHeader title={msg('settings.settings.settings')} />
      <nav className="tabs" aria-label={msg('settings.settings.settings')}>
        <Link to="/settings" aria-current={tab === 'general' ? 'page' : undefined}>
          {session.user.role === 'volunteer' ? msg('settings.settings.password') : msg('settings.settings.status_page_and_password')}
        </Link>
        <Link to="/settings/tokens" aria-current={tab === 'tokens' ? 'page' : undefined}>{msg('settings.settings.api_tokens')}</Link>
        {manage && (
          <Link to="/settings/audit" aria-current={tab === 'audit' ? 'page' : undefined}>{msg('settings.settings.audit_log')}</Link>
        )}
        {manage && (
          <Link to="/settings/channels" aria-current={tab === 'channels' ? 'page' : undefined}>{msg('settings.settings.sms_and_matrix')}</Link>
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
          <LanguageCard session={session} />
          {session.user.role !== 'volunteer' && <StatusPageSettings manage={manage} />}
          {manage && <StatusSubscribers />}
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
        <h2 id="tok-h">{manage ? msg('settings.settings.api_tokens_of_the_organization') : msg('settings.settings.your_api_tokens')}</h2>
        <p className="muted small">{msg('settings.settings.for_scripts_the_cli_and_pagerduty')}{' '}<code>{msg('settings.settings.authorization_bearer')}</code>{msg('settings.settings.a_token_acts_with_its_member')}</p>
        <ErrorBox error={tokens.error ?? revoke.error} />
        {!tokens.data ? (
          <Loading what={msg('settings.settings.tokens')} />
        ) : tokens.data.length === 0 ? (
          <p className="muted">{msg('settings.settings.no_tokens')}</p>
        ) : (
          <ul className="plain tokens" aria-label={msg('settings.settings.api_tokens')}>
            {tokens.data.map((t) => (
              <li key={t.id} className="rule">
                <span>
                  <strong>{t.description}</strong>{' '}
                  <span className="muted small">
                    {t.user.summary ?? t.user.id} · {SCOPE_WORDS[t.scope]}{' '}{msg('settings.settings.created')}{' '}<Time iso={t.created_at} /> ·{' '}
                    {t.last_used_at ? (
                      <>{msg('settings.settings.last_used')}{' '}<Time iso={t.last_used_at} />
                      </>
                    ) : (
                      msg('settings.settings.never_used')
                    )}
                    {t.expires_at && (
                      <>
                        {' '}{msg('settings.settings.expires')}{' '}<Time iso={t.expires_at} />
                      </>
                    )}
                  </span>
                </span>
                <button type="button" className="btn btn-quiet btn-small" disabled={revoke.busy} onClick={() => void revoke.run(t.id)} aria-label={msg('settings.settings.revoke_2', { description: t.description })}>{msg('settings.settings.revoke')}</button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="newtok-h">
        <h2 id="newtok-h">{msg('settings.settings.new_token')}</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setCreated(null);
            void create.run();
          }}
        >
          <Field label={msg('settings.settings.what_it_is_for')}>{(id) => <input id={id} value={description} maxLength={255} placeholder={msg('settings.settings.grafana_alerts')} onChange={(e) => setDescription(e.target.value)} />}</Field>
          {manage && (
            <Field label={msg('settings.settings.for_member')}>
              {(id) => (
                <select id={id} value={forUser} onChange={(e) => setForUser(e.target.value)}>
                  <option value="">{msg('settings.settings.me')}</option>
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
          <Field label={msg('settings.settings.it_may')}>
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
          <Field label={msg('settings.settings.expires_2')}>
            {(id) => (
              <select id={id} value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)}>
                <option value="">{msg('settings.settings.never')}</option>
                <option value="30">{msg('settings.settings.in_30_days')}</option>
                <option value="90">{msg('settings.settings.in_90_days')}</option>
                <option value="365">{msg('settings.settings.in_a_year')}</option>
              </select>
            )}
          </Field>
          <ErrorBox error={create.error} />
          <button type="submit" className="btn btn-primary" disabled={create.busy || !description.trim()}>{msg('settings.settings.create_token')}</button>
        </form>
        {created?.token && (
          <Notice tone="warn">{msg('settings.settings.copy_this_token_now_it_is')}<span className="key-line">
              <code className="key" data-testid="new-token">
                {created.token}
              </code>
              <CopyButton text={created.token} label={msg('settings.settings.copy_the_new_token')} />
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
      <h2 id="audit-h">{msg('settings.settings.audit_log')}</h2>
      <p className="muted small">{msg('settings.settings.who_read_or_changed_volunteer_data')}</p>
      <ErrorBox error={log.error} />
      {!log.data ? (
        <Loading what={msg('settings.settings.the_audit_log')} />
      ) : log.data.audit_log.length === 0 ? (
        <p className="muted">{msg('settings.settings.nothing_recorded_yet')}</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={msg('settings.settings.audit_log_region')}>
          <table className="table">
            <caption className="sr-only">{msg('settings.settings.audit_log_newest_first')}</caption>
            <thead>
              <tr>
                <th scope="col">{msg('settings.settings.when')}</th>
                <th scope="col">{msg('settings.settings.who')}</th>
                <th scope="col">{msg('settings.settings.action')}</th>
                <th scope="col">{msg('settings.settings.resource')}</th>
              </tr>
            </thead>
            <tbody>
              {log.data.audit_log.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Time iso={a.at} />
                  </td>
                  <td>{a.user?.summary ?? msg('settings.settings.system')}</td>
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
          <button type="button" className="btn btn-secondary" disabled={offset === 0} onClick={() => setOffset((o) => Math.max(0, o - PAGE))}>{msg('settings.settings.newer')}</button>
          <span className="muted small">
            {log.data.total !== null ? msg('settings.settings.of', { v0: Math.min(offset + 1, log.data.total), v1: Math.min(offset + PAGE, log.data.total), total: log.data.total }) : ''}
          </span>
          <button type="button" className="btn btn-secondary" disabled={!log.data.more} onClick={() => setOffset((o) => o + PAGE)}>{msg('settings.settings.older')}</button>
        </div>
      )}
    </section>
  );
}

/** `languages` of the status page settings, first the default. */
function pageLanguages(d: StatusSettings): Lang[] {
  const langs = d.languages.map((l) => langOf(l)).filter((l): l is Lang => l !== null);
  return langs.length ? [...new Set(langs)] : ['en'];
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
    const r = await saveStatusSettings({ slug: draft.slug, title: draft.title, enabled: draft.enabled, components: draft.components, languages: pageLanguages(draft) });
    setDraft(r);
    setSaved(true);
  });
  const chosen = (id: string) => draft?.components.find((c) => c.service_id === id);
  // The page's languages, first the default.
  const langs = draft ? pageLanguages(draft) : null;
  const setLangs = (next: Lang[]) => setDraft((d) => d && { ...d, languages: next });
  const toggle = (id: string, name: string, on: boolean) =>
    setDraft((d) => d && { ...d, components: on ? [...d.components, { service_id: id, name, group: 'Services' }] : d.components.filter((c) => c.service_id !== id) });
  const edit = (id: string, patch: Partial<{ name: string; group: string }>) => setDraft((d) => d && { ...d, components: d.components.map((c) => (c.service_id === id ? { ...c, ...patch } : c)) });

  return (
    <section className="card span-2" aria-labelledby="sp-h">
      <h2 id="sp-h">{msg('settings.settings.public_status_page')}</h2>
      <ErrorBox error={settings.error} />
      {!draft ? (
        <Loading what={msg('settings.settings.status_page_settings')} />
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
            <label htmlFor="sp-enabled">{msg('settings.settings.publish_the_status_page_anyone_with')}</label>
          </div>
          <div className="row">
            <Field label={msg('settings.settings.title')}>{(id) => <input id={id} disabled={!manage} value={draft.title} maxLength={255} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />}</Field>
            <Field label={msg('settings.settings.page_address')} hint={msg('settings.settings.lowercase_letters_digits_and_dashes')}>
              {(id, d) => <input id={id} aria-describedby={d} disabled={!manage} value={draft.slug} maxLength={64} onChange={(e) => setDraft({ ...draft, slug: e.target.value })} />}
            </Field>
          </div>
          <p>{msg('settings.settings.public_address')}{' '}<a href={draft.public_url}>{draft.public_url}</a>
          </p>
          <fieldset>
            <legend>{msg('settings.settings.components')}</legend>
            <p className="hint">{msg('settings.settings.choose_the_services_to_show_under')}</p>
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
                      <Field label={msg('settings.settings.public_name_for', { name: s.name })}>{(id) => <input id={id} value={c.name} maxLength={255} onChange={(e) => edit(s.id, { name: e.target.value })} />}</Field>
                      <Field label={msg('settings.settings.group_for', { name: s.name })}>{(id) => <input id={id} value={c.group} maxLength={255} onChange={(e) => edit(s.id, { group: e.target.value })} />}</Field>
                    </div>
                  )}
                </div>
              );
            })}
          </fieldset>
          {langs && (
            <fieldset>
              <legend>{msg('settings.statusLanguages.legend')}</legend>
              <p className="hint">{msg('settings.statusLanguages.hint')}</p>
              {LANGS.map((l) => (
                <div className="check" key={l}>
                  <input
                    id={`sp-lang-${l}`}
                    type="checkbox"
                    checked={langs.includes(l)}
                    disabled={!manage || (langs.length === 1 && langs[0] === l)}
                    onChange={(e) => setLangs(e.target.checked ? [...langs, l] : langs.filter((x) => x !== l))}
                  />
                  <label htmlFor={`sp-lang-${l}`} lang={LOCALE_OF[l]}>
                    {LANGUAGE_NAME[l]}
                  </label>
                </div>
              ))}
              <Field label={msg('settings.statusLanguages.default')}>
                {(id) => (
                  <select id={id} disabled={!manage} value={langs[0]} onChange={(e) => setLangs([e.target.value as Lang, ...langs.filter((x) => x !== e.target.value)])}>
                    {langs.map((l) => (
                      <option key={l} value={l}>
                        {LANGUAGE_NAME[l]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </fieldset>
          )}
          <ErrorBox error={save.error} />
          {saved && <Notice tone="ok">{msg('settings.settings.saved')}</Notice>}
          {manage && (
            <button type="submit" className="btn btn-primary" disabled={save.busy}>{msg('settings.settings.save_status_page')}</button>
          )}
        </form>
      )}
    </section>
  );
}

/** The person's language, kept on their user (`locale`, PagerDuty's field) and in this browser. */
function LanguageCard({ session }: { session: Session }) {
  const lang = useLanguage();
  const [chosen, setChosen] = useState<Lang>(lang);
  const [done, setDone] = useState(false);
  // Kept on the user (PUT /users/{id} {user: {locale}}), so emails, SMS and calls follow, and in this browser for the sign-in page.
  const action = useAction(async () => {
    await updateUser(session.user.id, { locale: LOCALE_OF[chosen] });
    rememberLanguage(chosen);
    await setLanguage(chosen);
    setDone(true);
  });
  return (
    <section className="card" aria-labelledby="lang-h">
      <h2 id="lang-h">{msg('settings.language.title')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          void action.run();
        }}
      >
        <Field label={msg('settings.language.label')} hint={msg('settings.language.hint')}>
          {(id, d) => (
            <select id={id} aria-describedby={d} value={chosen} onChange={(e) => setChosen(e.target.value as Lang)}>
              {LANGS.map((l) => (
                <option key={l} value={l} lang={LOCALE_OF[l]}>
                  {LANGUAGE_NAME[l]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ErrorBox error={action.error} />
        {done && <Notice tone="ok">{msg('settings.language.saved')}</Notice>}
        <button type="submit" className="btn btn-secondary" disabled={action.busy}>
          {msg('settings.language.save')}
        </button>
      </form>
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
      <h2 id="pw-h">{msg('settings.settings.your_password')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          void action.run();
        }}
      >
        <Field label={msg('settings.settings.current_password')}>{(id) => <input id={id} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />}</Field>
        <Field label={msg('settings.settings.new_password')} hint={msg('settings.settings.at_least_10_characters_your_other')}>
          {(id, d) => <input id={id} aria-describedby={d} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />}
        </Field>
        <ErrorBox error={action.error} />
        {done && <Notice tone="ok">{msg('settings.settings.password_changed')}</Notice>}
        <button type="submit" className="btn btn-secondary" disabled={action.busy || next.length < 10}>{msg('settings.settings.change_password')}</button>
      </form>
    </section>
  );
}
