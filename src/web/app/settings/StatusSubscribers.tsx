/** The status page's subscribers (owners and admins: addresses are personal data). Removing one deletes its row and address. */
import { useAction, useAsync } from '../../data/hooks';
import { listStatusSubscribers, removeStatusSubscriber } from '../../data/status';
import { ErrorBox, Loading, Time } from '../ui';

export function StatusSubscribers() {
  const list = useAsync(() => listStatusSubscribers(), []);
  const remove = useAction(async (id: string) => {
    await removeStatusSubscriber(id);
    await list.reload();
  });
  return (
    <section className="card span-2" aria-labelledby="subs-h">
      <h2 id="subs-h">Status page subscribers</h2>
      <p className="hint">People subscribe by email on the public page (they confirm through a link; unconfirmed addresses are deleted after 48 hours). Webhook subscribers are added through the API (POST /api/v1/status_page/subscribers).</p>
      <ErrorBox error={list.error ?? remove.error} />
      {!list.data ? (
        <Loading what="subscribers" />
      ) : list.data.subscribers.length === 0 ? (
        <p className="muted">No subscribers yet.</p>
      ) : (
        <table>
          <caption className="sr-only">{list.data.total ?? list.data.subscribers.length} subscribers</caption>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Components</th>
              <th scope="col">Confirmed</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.subscribers.map((s) => (
              <tr key={s.id}>
                <td>{s.type === 'email' ? s.email : `webhook ${s.url}`}</td>
                <td>{s.components.length ? s.components.map((c) => c.name).join(', ') : 'all'}</td>
                <td>{s.confirmed ? 'yes' : 'waiting'}</td>
                <td>
                  <Time iso={s.created_at} />
                </td>
                <td>
                  <button type="button" className="btn" disabled={remove.busy} onClick={() => void remove.run(s.id)}>
                    Remove {s.type === 'email' ? s.email : s.url}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.more && <p className="muted small">Showing the first 100 of {list.data.total}.</p>}
    </section>
  );
}
