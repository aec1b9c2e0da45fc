/** The public status page: no sign-in, no session request, refreshed every 30 seconds. */
import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { overallLabel, stateLabel, confirmStatusSubscription, publicStatus, statusFeedUrl, subscribeToStatus, unsubscribeFromStatus } from '../../data/status';
import { ApiError } from '../../data/client';
import type { PublicStatusPage as PublicStatus } from '../../data/types';
import { fmtDateTime, initialLanguage, LanguageSwitch, langOf, language, msg, setLanguage, type Lang, type MessageId } from '../../i18n';

const fmt = (iso: string) => fmtDateTime(iso);

/** The page's languages, first the default (`languages` of the answer; all three if none is one the UI has). */
function pageLanguages(p: PublicStatus): Lang[] {
  const langs = p.languages.map((l) => langOf(l)).filter((l): l is Lang => l !== null);
  return langs.length ? [...new Set(langs)] : ['en', 'fr', 'es'];
}

const UPDATE_STATUS: Record<string, MessageId> = {
  investigating: 'status.update.investigating',
  identified: 'status.update.identified',
  monitoring: 'status.update.monitoring',
  resolved: 'status.update.resolved',
  triggered: 'status.update.investigating',
  acknowledged: 'status.update.identified',
};
const updateStatus = (s: string) => (UPDATE_STATUS[s] ? msg(UPDATE_STATUS[s]) : s);

export function PublicStatusPage({ slug }: { slug: string }) {
  const page = useAsync(() => publicStatus(slug), [slug]);
  const [, setShown] = useState<Lang>(language());
  const languages = page.data ? pageLanguages(page.data) : null;
  // The page opens in the visitor's choice (?lang=, remembered, the browser's) among the page's languages, else its first.
  useEffect(() => {
    if (!languages) return;
    const l = initialLanguage(languages);
    if (l !== language()) void setLanguage(l);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [languages?.join()]);
  useEffect(() => {
    const t = setInterval(() => void page.reload(), 30_000);
    return () => clearInterval(t);
  }, [page.reload]);
  useEffect(() => {
    if (page.data) document.title = msg('status.document_title', { title: page.data.title });
  }, [page.data]);
  // Feed readers find the feeds from the page itself.
  useEffect(() => {
    const links = (['atom', 'rss'] as const).map((f) => {
      const l = document.createElement('link');
      l.rel = 'alternate';
      l.type = f === 'atom' ? 'application/atom+xml' : 'application/rss+xml';
      l.title = f === 'atom' ? 'Atom feed' : 'RSS feed';
      l.href = statusFeedUrl(slug, f);
      document.head.appendChild(l);
      return l;
    });
    return () => links.forEach((l) => l.remove());
  }, [slug]);

  if (page.error && !page.data) {
    return (
      <main className="status-page" id="main">
        <h1>{msg('status.publicStatusPage.status_page_not_found')}</h1>
        <p>{page.error instanceof ApiError && page.error.status === 404 ? msg('status.publicStatusPage.there_is_no_published_status_page') : msg('status.publicStatusPage.the_status_page_cannot_be_loaded')}</p>
      </main>
    );
  }
  if (!page.data) return <p role="status">{msg('status.publicStatusPage.loading_status')}</p>;
  const p = page.data;
  const active = p.incidents.filter((i) => i.status !== 'resolved');
  const past = p.incidents.filter((i) => i.status === 'resolved');
  return (
    <main className="status-page" id="main">
      <header>
        <h1>{p.title}</h1>
        <p className={`overall state-${p.state}`} role="status">
          {overallLabel(p.state)}
        </p>
        <p className="muted small">
          {msg('status.publicStatusPage.updated')} <time dateTime={p.updated_at}>{fmt(p.updated_at)}</time>
        </p>
        <LanguageSwitch languages={languages ?? undefined} onChange={setShown} />
      </header>

      {active.length > 0 && (
        <section aria-labelledby="now-h">
          <h2 id="now-h">{msg('status.publicStatusPage.current_incidents')}</h2>
          {active.map((i) => (
            <PublicIncident key={i.id} i={i} />
          ))}
        </section>
      )}

      {p.maintenance.length > 0 && (
        <section aria-labelledby="mw-h">
          <h2 id="mw-h">{msg('status.publicStatusPage.maintenance')}</h2>
          <ul className="plain updates">
            {p.maintenance.map((m, n) => (
              <li key={`${m.id}-${m.start_time}`} data-maintenance={m.id} {...(p.maintenance.findIndex((x) => x.id === m.id) === n ? { id: `maintenance-${m.id}` } : {})}>
                <strong>{m.components.join(', ')}</strong>: {m.status === 'in_progress' ? msg('status.publicStatusPage.maintenance_in_progress') : msg('status.publicStatusPage.planned_maintenance')}
                {m.description && <> — {m.description}</>}
                <p className="muted small">
                  {fmt(m.start_time)} – {fmt(m.end_time)}
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}

      {p.groups.map((g) => (
        <section key={g.name} aria-labelledby={`g-${g.name}`} className="components">
          <h2 id={`g-${g.name}`}>{g.name}</h2>
          <ul className="plain">
            {g.components.map((c) => (
              <li key={c.id} className="component">
                <span>{c.name}</span>
                <span className={`state state-${c.state}`}>{stateLabel(c.state)}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}

      <section aria-labelledby="past-h">
        <h2 id="past-h">{msg('status.publicStatusPage.past_incidents_14_days')}</h2>
        {past.length === 0 ? <p className="muted">{msg('status.publicStatusPage.no_incidents_in_the_last_14')}</p> : past.map((i) => <PublicIncident key={i.id} i={i} />)}
      </section>
      <Subscribe slug={slug} components={p.groups.flatMap((g) => g.components)} />
      <footer className="muted small">{msg('status.publicStatusPage.powered_by_vigil')}</footer>
    </main>
  );
}

/** Subscribe by email (double opt-in), follow a confirmation or unsubscribe link, and the feeds. */
function Subscribe({ slug, components }: { slug: string; components: { id: string; name: string }[] }) {
  const params = new URLSearchParams(window.location.search);
  const confirmToken = params.get('confirm');
  const unsubscribeToken = params.get('unsubscribe');
  const [email, setEmail] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<string | null>(null);
  const subscribe = useAction(async () => {
    await subscribeToStatus(slug, email, chosen, language());
    setOutcome(msg('status.publicStatusPage.check_your_inbox'));
  });
  const confirm = useAction(async () => {
    await confirmStatusSubscription(slug, confirmToken!);
    setOutcome(msg('status.publicStatusPage.subscribed'));
  });
  const unsubscribe = useAction(async () => {
    await unsubscribeFromStatus(slug, unsubscribeToken!);
    setOutcome(msg('status.publicStatusPage.unsubscribed'));
  });
  const failure = subscribe.error ?? confirm.error ?? unsubscribe.error;
  return (
    <section aria-labelledby="sub-h" className="subscribe">
      <h2 id="sub-h">{msg('status.publicStatusPage.subscribe')}</h2>
      {outcome && <p role="status">{outcome}</p>}
      {failure && <p role="alert">{failure.message}</p>}
      {confirmToken && !outcome && (
        <button type="button" onClick={() => void confirm.run()} disabled={confirm.busy}>
          {msg('status.publicStatusPage.confirm_my_subscription')}
        </button>
      )}
      {unsubscribeToken && !outcome && (
        <button type="button" onClick={() => void unsubscribe.run()} disabled={unsubscribe.busy}>
          {msg('status.publicStatusPage.unsubscribe')}
        </button>
      )}
      {!confirmToken && !unsubscribeToken && !outcome && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void subscribe.run();
          }}
        >
          <label htmlFor="sub-email">{msg('status.publicStatusPage.email_address')}</label>
          <input id="sub-email" type="email" required autoComplete="email" value={email} maxLength={254} onChange={(e) => setEmail(e.target.value)} />
          {components.length > 1 && (
            <fieldset>
              <legend>{msg('status.publicStatusPage.components_none_chosen_all')}</legend>
              {components.map((c) => (
                <div key={c.id} className="check">
                  <input id={`sub-${c.id}`} type="checkbox" checked={chosen.includes(c.id)} onChange={(e) => setChosen((x) => (e.target.checked ? [...x, c.id] : x.filter((y) => y !== c.id)))} />
                  <label htmlFor={`sub-${c.id}`}>{c.name}</label>
                </div>
              ))}
            </fieldset>
          )}
          <button type="submit" disabled={subscribe.busy}>
            {msg('status.publicStatusPage.subscribe_by_email')}
          </button>
        </form>
      )}
      <p className="small">
        {msg('status.publicStatusPage.or_follow_the')} <a href={statusFeedUrl(slug, 'atom')}>{msg('status.publicStatusPage.atom_feed')}</a> {msg('status.publicStatusPage.or_the')}{' '}
        <a href={statusFeedUrl(slug, 'rss')}>{msg('status.publicStatusPage.rss_feed')}</a>.
      </p>
    </section>
  );
}

function PublicIncident({ i }: { i: { id: string; status: string; impact: string; components: string[]; started_at: string; resolved_at: string | null; priority: string | null; updates: { status: string; message: string; created_at: string }[]; postmortem: { summary: string; published_at: string } | null } }) {
  return (
    <article id={`incident-${i.id}`} className={`pub-incident impact-${i.impact}`} data-public-incident={i.id}>
      <h3>
        {i.components.join(', ')}: {i.status === 'resolved' ? msg('status.publicStatusPage.resolved') : i.impact === 'outage' ? msg('status.publicStatusPage.outage') : msg('status.publicStatusPage.degraded')}
      </h3>
      <p className="muted small">
        <span className="cap">{updateStatus(i.status)}</span>
        {i.priority && <> · {msg('status.publicStatusPage.priority', { priority: i.priority })}</>} · {msg('status.publicStatusPage.started', { at: fmt(i.started_at) })}
        {i.resolved_at && <> · {msg('status.publicStatusPage.resolved_2', { at: fmt(i.resolved_at) })}</>}
      </p>
      {i.updates.length > 0 && (
        <ol className="plain updates">
          {i.updates.map((u, n) => (
            <li key={n}>
              <strong className="cap">{updateStatus(u.status)}</strong> <span className="muted small">{fmt(u.created_at)}</span>
              <p>{u.message}</p>
            </li>
          ))}
        </ol>
      )}
      {i.postmortem && (
        <section className="pub-postmortem" aria-label={msg('status.publicStatusPage.postmortem_summary')}>
          <h4>{msg('status.publicStatusPage.postmortem_summary')}{' '}<span className="muted small">{msg('status.publicStatusPage.published', { at: fmt(i.postmortem.published_at) })}</span>
          </h4>
          <p style={{ whiteSpace: 'pre-wrap' }}>{i.postmortem.summary}</p>
        </section>
      )}
    </article>
  );
}
