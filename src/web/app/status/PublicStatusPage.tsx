/** The public status page: no sign-in, no session request, refreshed every 30 seconds. */
import { useEffect } from 'react';
import { useAsync } from '../../data/hooks';
import { OVERALL_LABEL, STATE_LABEL, publicStatus } from '../../data/status';
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
            {p.maintenance.map((m) => (
              <li key={`${m.id}-${m.start_time}`} data-maintenance={m.id}>
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
      <footer className="muted small">Powered by Vigil</footer>
    </main>
  );
}

function PublicIncident({ i }: { i: { id: string; status: string; impact: string; components: string[]; started_at: string; resolved_at: string | null; priority: string | null; updates: { status: string; message: string; created_at: string }[]; postmortem: { summary: string; published_at: string } | null } }) {
  return (
    <article className={`pub-incident impact-${i.impact}`} data-public-incident={i.id}>
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
