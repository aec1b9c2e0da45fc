/** The public status page: no sign-in, no session request, refreshed every 30 seconds. */
import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { OVERALL_LABEL, STATE_LABEL, confirmStatusSubscription, publicStatus, statusFeedUrl, subscribeToStatus, unsubscribeFromStatus } from '../../data/status';
import { ApiError } from '../../data/client';

const fmt = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function PublicStatusPage({ slug }: { slug: string }) {
  const page = useAsync(() => publicStatus(slug), [slug]);
  useEffect(() => {
    const t = setInterval(() => void page.reload(), 30_000);
    return () => clearInterval(t);
  }, [page.reload]);
  useEffect(() => {
    if (page.data) document.title = `${page.data.title} status`;
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
        <h1>Status page not found</h1>
        <p>{page.error instanceof ApiError && page.error.status === 404 ? 'There is no published status page at this address.' : 'The status page cannot be loaded right now. Try again in a minute.'}</p>
      </main>
    );
  }
  if (!page.data) return <p role="status">Loading status…</p>;
  const p = page.data;
  const active = p.incidents.filter((i) => i.status !== 'resolved');
  const past = p.incidents.filter((i) => i.status === 'resolved');
  return (
    <main className="status-page" id="main">
      <header>
        <h1>{p.title}</h1>
        <p className={`overall state-${p.state}`} role="status">
          {OVERALL_LABEL[p.state] ?? p.state}
        </p>
        <p className="muted small">
          Updated <time dateTime={p.updated_at}>{fmt(p.updated_at)}</time>
        </p>
      </header>

      {active.length > 0 && (
        <section aria-labelledby="now-h">
          <h2 id="now-h">Current incidents</h2>
          {active.map((i) => (
            <PublicIncident key={i.id} i={i} />
          ))}
        </section>
      )}

      {p.maintenance.length > 0 && (
        <section aria-labelledby="mw-h">
          <h2 id="mw-h">Maintenance</h2>
          <ul className="plain updates">
            {p.maintenance.map((m, n) => (
              <li key={`${m.id}-${m.start_time}`} data-maintenance={m.id} {...(p.maintenance.findIndex((x) => x.id === m.id) === n ? { id: `maintenance-${m.id}` } : {})}>
                <strong>{m.components.join(', ')}</strong>: {m.status === 'in_progress' ? 'maintenance in progress' : 'planned maintenance'}
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
                <span className={`state state-${c.state}`}>{STATE_LABEL[c.state] ?? c.state}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}

      <section aria-labelledby="past-h">
        <h2 id="past-h">Past incidents (14 days)</h2>
        {past.length === 0 ? <p className="muted">No incidents in the last 14 days.</p> : past.map((i) => <PublicIncident key={i.id} i={i} />)}
      </section>
      <Subscribe slug={slug} components={p.groups.flatMap((g) => g.components)} />
      <footer className="muted small">Powered by Vigil</footer>
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
    await subscribeToStatus(slug, email, chosen);
    setOutcome('Check your inbox: follow the link we sent to confirm. Nothing else is sent until you do.');
  });
  const confirm = useAction(async () => {
    await confirmStatusSubscription(slug, confirmToken!);
    setOutcome('Subscribed: you will receive updates from this page.');
  });
  const unsubscribe = useAction(async () => {
    await unsubscribeFromStatus(slug, unsubscribeToken!);
    setOutcome('Unsubscribed: your address was deleted.');
  });
  const failure = subscribe.error ?? confirm.error ?? unsubscribe.error;
  return (
    <section aria-labelledby="sub-h" className="subscribe">
      <h2 id="sub-h">Subscribe</h2>
      {outcome && <p role="status">{outcome}</p>}
      {failure && <p role="alert">{failure.message}</p>}
      {confirmToken && !outcome && (
        <button type="button" onClick={() => void confirm.run()} disabled={confirm.busy}>
          Confirm my subscription
        </button>
      )}
      {unsubscribeToken && !outcome && (
        <button type="button" onClick={() => void unsubscribe.run()} disabled={unsubscribe.busy}>
          Unsubscribe
        </button>
      )}
      {!confirmToken && !unsubscribeToken && !outcome && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void subscribe.run();
          }}
        >
          <label htmlFor="sub-email">Email address</label>
          <input id="sub-email" type="email" required autoComplete="email" value={email} maxLength={254} onChange={(e) => setEmail(e.target.value)} />
          {components.length > 1 && (
            <fieldset>
              <legend>Components (none chosen: all of them)</legend>
              {components.map((c) => (
                <div key={c.id} className="check">
                  <input id={`sub-${c.id}`} type="checkbox" checked={chosen.includes(c.id)} onChange={(e) => setChosen((x) => (e.target.checked ? [...x, c.id] : x.filter((y) => y !== c.id)))} />
                  <label htmlFor={`sub-${c.id}`}>{c.name}</label>
                </div>
              ))}
            </fieldset>
          )}
          <button type="submit" disabled={subscribe.busy}>
            Subscribe by email
          </button>
        </form>
      )}
      <p className="small">
        Or follow the <a href={statusFeedUrl(slug, 'atom')}>Atom feed</a> or the <a href={statusFeedUrl(slug, 'rss')}>RSS feed</a>.
      </p>
    </section>
  );
}

function PublicIncident({ i }: { i: { id: string; status: string; impact: string; components: string[]; started_at: string; resolved_at: string | null; priority: string | null; updates: { status: string; message: string; created_at: string }[]; postmortem: { summary: string; published_at: string } | null } }) {
  return (
    <article id={`incident-${i.id}`} className={`pub-incident impact-${i.impact}`} data-public-incident={i.id}>
      <h3>
        {i.components.join(', ')}: {i.status === 'resolved' ? 'resolved' : i.impact === 'outage' ? 'outage' : 'degraded'}
      </h3>
      <p className="muted small">
        <span className="cap">{i.status}</span>
        {i.priority && <> · priority {i.priority}</>} · started {fmt(i.started_at)}
        {i.resolved_at && <> · resolved {fmt(i.resolved_at)}</>}
      </p>
      {i.updates.length > 0 && (
        <ol className="plain updates">
          {i.updates.map((u, n) => (
            <li key={n}>
              <strong className="cap">{u.status}</strong> <span className="muted small">{fmt(u.created_at)}</span>
              <p>{u.message}</p>
            </li>
          ))}
        </ol>
      )}
      {i.postmortem && (
        <section className="pub-postmortem" aria-label="Postmortem summary">
          <h4>
            Postmortem summary <span className="muted small">published {fmt(i.postmortem.published_at)}</span>
          </h4>
          <p style={{ whiteSpace: 'pre-wrap' }}>{i.postmortem.summary}</p>
        </section>
      )}
    </article>
  );
}
