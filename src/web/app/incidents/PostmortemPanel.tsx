/**
 * The postmortem of a resolved incident, on the incident page: start it (prefilled with the
 * timeline and the people affected), edit the Markdown, move it draft → in review →
 * published, add action items with an owner and a due date, and export it as Markdown.
 */
import { useEffect, useState } from 'react';
import { addActionItem, postmortemOf, savePostmortem, setActionItemStatus, startPostmortem } from '../../data/analytics';
import { useAction, useAsync } from '../../data/hooks';
import type { Postmortem, User } from '../../data/types';
import { ErrorBox, Field, Loading, Notice } from '../ui';
import { msg } from '../../i18n';

const STATE: Record<Postmortem['status'], string> = { draft: 'Draft', get in_review() { return msg('incidents.postmortemPanel.in_review'); }, published: 'Published' };

export function PostmortemPanel({ incidentId, resolved, users, canEdit }: { incidentId: string; resolved: boolean; users: readonly Pick<User, 'id' | 'name'>[]; canEdit: boolean }) {
  const pm = useAsync(() => postmortemOf(incidentId), [incidentId]);
  const [body, setBody] = useState('');
  useEffect(() => setBody(pm.data?.body ?? ''), [pm.data?.id, pm.data?.updated_at]);
  const start = useAction(async () => (await startPostmortem(incidentId), pm.reload()));
  const save = useAction(async (status?: Postmortem['status']) => (await savePostmortem(pm.data!.id, { body, ...(status ? { status } : {}) }), pm.reload()));
  const [item, setItem] = useState({ summary: '', owner_id: '', due_date: '' });
  const add = useAction(async () => (await addActionItem(pm.data!.id, item), setItem({ summary: '', owner_id: '', due_date: '' }), pm.reload()));
  const mark = useAction(async (id: string, status: 'done' | 'open') => (await setActionItemStatus(id, status), pm.reload()));

  if (!resolved && !pm.data) return null;
  return (
    <section className="card span-2" aria-labelledby="pm-h">
      <h2 id="pm-h">{msg('incidents.postmortemPanel.postmortem')}{pm.data ? ` · ${STATE[pm.data.status]}` : ''}</h2>
      <ErrorBox error={pm.error ?? start.error ?? save.error} />
      {pm.loading && pm.data === undefined ? (
        <Loading what={msg('incidents.postmortemPanel.the_postmortem')} />
      ) : !pm.data ? (
        canEdit ? (
          <button type="button" className="btn btn-primary" disabled={start.busy} onClick={() => void start.run()}>{msg('incidents.postmortemPanel.start_the_postmortem')}</button>
        ) : (
          <Notice>{msg('incidents.postmortemPanel.no_postmortem_yet')}</Notice>
        )
      ) : (
        <>
          <Field label={msg('incidents.postmortemPanel.review_markdown')}>{(id) => <textarea id={id} className="postmortem-body" rows={18} value={body} readOnly={!canEdit} onChange={(e) => setBody(e.target.value)} />}</Field>
          <div className="actions-bar">
            {canEdit && (
              <button type="button" className="btn btn-secondary" disabled={save.busy} onClick={() => void save.run()}>{msg('incidents.postmortemPanel.save')}</button>
            )}
            {canEdit && pm.data.status === 'draft' && (
              <button type="button" className="btn btn-secondary" disabled={save.busy} onClick={() => void save.run('in_review')}>{msg('incidents.postmortemPanel.send_for_review')}</button>
            )}
            {canEdit && pm.data.status === 'in_review' && (
              <button type="button" className="btn btn-primary" disabled={save.busy} onClick={() => void save.run('published')}>{msg('incidents.postmortemPanel.publish')}</button>
            )}
            <a className="btn btn-quiet" href={`/api/v1/postmortems/${pm.data.id}?format=markdown`} download>{msg('incidents.postmortemPanel.export_markdown')}</a>
            <a className="btn btn-quiet" href={`/api/v1/postmortems/${pm.data.id}?format=pdf`} download>{msg('incidents.postmortemPanel.export_pdf')}</a>
          </div>
          <h3>{msg('incidents.postmortemPanel.action_items')}</h3>
          <ErrorBox error={add.error ?? mark.error} />
          {pm.data.action_items.length === 0 ? (
            <p className="muted">{msg('incidents.postmortemPanel.none_yet')}</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{msg('incidents.postmortemPanel.action')}</th>
                  <th scope="col">{msg('incidents.postmortemPanel.owner')}</th>
                  <th scope="col">{msg('incidents.postmortemPanel.due')}</th>
                  <th scope="col">{msg('incidents.postmortemPanel.status')}</th>
                </tr>
              </thead>
              <tbody>
                {pm.data.action_items.map((a) => (
                  <tr key={a.id}>
                    <th scope="row">{a.summary}</th>
                    <td>{a.owner.summary}</td>
                    <td>
                      {a.due_date}
                      {a.overdue && <span className="badge sev-error">{' '}{msg('incidents.postmortemPanel.overdue')}</span>}
                    </td>
                    <td>
                      {a.status.replace('_', ' ')}{' '}
                      {canEdit && (
                        <button type="button" className="btn btn-quiet" disabled={mark.busy} onClick={() => void mark.run(a.id, a.status === 'done' ? 'open' : 'done')}>
                          {a.status === 'done' ? msg('incidents.postmortemPanel.reopen') : msg('incidents.postmortemPanel.mark_done')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {canEdit && (
            <form
              className="inline-form"
              aria-label={msg('incidents.postmortemPanel.add_an_action_item')}
              onSubmit={(e) => {
                e.preventDefault();
                void add.run();
              }}
            >
              <Field label={msg('incidents.postmortemPanel.action')}>{(id) => <input id={id} value={item.summary} required onChange={(e) => setItem({ ...item, summary: e.target.value })} />}</Field>
              <Field label={msg('incidents.postmortemPanel.owner')}>
                {(id) => (
                  <select id={id} value={item.owner_id} required onChange={(e) => setItem({ ...item, owner_id: e.target.value })}>
                    <option value="">{msg('incidents.postmortemPanel.choose')}</option>
                    {users.map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={msg('incidents.postmortemPanel.due_date')}>{(id) => <input id={id} type="date" value={item.due_date} required onChange={(e) => setItem({ ...item, due_date: e.target.value })} />}</Field>
              <button type="submit" className="btn btn-secondary" disabled={add.busy}>{msg('incidents.postmortemPanel.add_action_item')}</button>
            </form>
          )}
        </>
      )}
    </section>
  );
}
