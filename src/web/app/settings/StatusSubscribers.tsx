/** The status page's subscribers (owners and admins: addresses are personal data). Removing one deletes its row and address. */
import { useAction, useAsync } from '../../data/hooks';
import { listStatusSubscribers, removeStatusSubscriber } from '../../data/status';
import { ErrorBox, Loading, Time } from '../ui';
import { msg } from '../../i18n';

export function StatusSubscribers() {
  const list = useAsync(() => listStatusSubscribers(), []);
  const remove = useAction(async (id: string) => {
    await removeStatusSubscriber(id);
    await list.reload();
  });
  return (
    <section className="card span-2" aria-labelledby="subs-h">
      <h2 id="subs-h">{msg('settings.statusSubscribers.status_page_subscribers')}</h2>
      <p className="hint">{msg('settings.statusSubscribers.people_subscribe_by_email')}</p>
      <ErrorBox error={list.error ?? remove.error} />
      {!list.data ? (
        <Loading what={msg('settings.statusSubscribers.subscribers')} />
      ) : list.data.subscribers.length === 0 ? (
        <p className="muted">{msg('settings.statusSubscribers.no_subscribers_yet')}</p>
      ) : (
        <table>
          <caption className="sr-only">{msg('settings.statusSubscribers.count_subscribers', { count: list.data.total ?? list.data.subscribers.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{msg('settings.statusSubscribers.address')}</th>
              <th scope="col">{msg('settings.statusSubscribers.components')}</th>
              <th scope="col">{msg('settings.statusSubscribers.confirmed')}</th>
              <th scope="col">{msg('settings.statusSubscribers.since')}</th>
              <th scope="col">
                <span className="sr-only">{msg('settings.statusSubscribers.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.subscribers.map((s) => (
              <tr key={s.id}>
                <td>{s.type === 'email' ? s.email : msg('settings.statusSubscribers.webhook_url', { url: s.url })}</td>
                <td>{s.components.length ? s.components.map((c) => c.name).join(', ') : msg('settings.statusSubscribers.all_components')}</td>
                <td>{s.confirmed ? msg('settings.statusSubscribers.yes') : msg('settings.statusSubscribers.waiting')}</td>
                <td>
                  <Time iso={s.created_at} />
                </td>
                <td>
                  <button type="button" className="btn" disabled={remove.busy} onClick={() => void remove.run(s.id)}>
                    {msg('settings.statusSubscribers.remove', { address: s.type === 'email' ? s.email : s.url })}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.more && <p className="muted small">{msg('settings.statusSubscribers.showing_the_first_100_of', { total: list.data.total })}</p>}
    </section>
  );
}
