import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { listServices } from '../../data/services';
import { changePassword } from '../../data/session';
import { saveStatusSettings, statusSettings } from '../../data/status';
import type { Session, StatusSettings } from '../../data/types';
import { ErrorBox, Field, Loading, Notice, PageHeader } from '../ui';

export function Settings({ session }: { session: Session }) {
  return (
    <>
      <PageHeader title="Settings" />
      <div className="grid">
        <StatusPageSettings manage={canManage(session.user.role)} />
        <PasswordCard />
      </div>
    </>
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
            <p className="hint">Choose the services to show, under a public name and group. None chosen shows every active service under its own name.</p>
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
