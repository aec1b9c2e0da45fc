import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import {
  ROLES,
  addContactMethod,
  addNotificationRule,
  canManage,
  contactMethods,
  listUsers,
  notificationRules,
  removeContactMethod,
  removeNotificationRule,
  sendTestPage,
  sendVerification,
  updateUser,
  verify,
} from '../../data/people';
import { invite } from '../../data/session';
import { addThisDevice, pushSupported } from '../../data/push';
import { telegramLink, type TelegramLink } from '../../data/telegram';
import type { ContactMethod, Role, Session } from '../../data/types';
import { CopyButton, ErrorBox, Field, Loading, Notice, PageHeader } from '../ui';
import { MethodTestButton, WakePanel } from './WakeCheck';

export function People({ session, focusUserId }: { session: Session; focusUserId?: string | undefined }) {
  // A volunteer cannot list the members (403); they manage their own contact methods and rules here.
  if (session.user.role === 'volunteer')
    return (
      <>
        <PageHeader title="My contact methods" />
        <div className="stack">
          <PersonCard user={session.user} session={session} manage={false} onChanged={() => undefined} />
        </div>
      </>
    );
  return <Members session={session} focusUserId={focusUserId} />;
}

function Members({ session, focusUserId }: { session: Session; focusUserId?: string | undefined }) {
  const users = useAsync(() => listUsers(), []);
  const manage = canManage(session.user.role);
  const [selected, setSelected] = useState<string>(focusUserId ?? session.user.id);
  const person = users.data?.find((u) => u.id === selected);
  return (
    <>
      <PageHeader title="People" />
      <div className="grid">
        <section className="card" aria-labelledby="mem-h">
          <h2 id="mem-h">Members</h2>
          <ErrorBox error={users.error} />
          {!users.data ? (
            <Loading what="members" />
          ) : (
            <ul className="plain members">
              {users.data.map((u) => (
                <li key={u.id}>
                  <button type="button" className={`member ${u.id === selected ? 'member-selected' : ''}`} aria-pressed={u.id === selected} onClick={() => setSelected(u.id)}>
                    <span className="member-name">
                      {u.name}
                      {u.id === session.user.id ? ' (you)' : ''}
                    </span>
                    <span className="muted small">
                      {u.email} · {u.role}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {manage && <InviteForm session={session} onInvited={() => void users.reload()} />}
        </section>
        <div className="stack span-2">{person && <PersonCard key={person.id} user={person} session={session} manage={manage} onChanged={() => void users.reload()} />}</div>
      </div>
    </>
  );
}

function InviteForm({ session, onInvited }: { session: Session; onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('responder');
  const [result, setResult] = useState<{ email: string; sent: boolean; url?: string | undefined } | null>(null);
  const action = useAction(async () => {
    const r = await invite(email.trim(), name.trim(), role);
    setResult({ email: r.user.email, sent: r.email_sent, url: r.accept_url });
    setEmail('');
    setName('');
    onInvited();
  });
  return (
    <form
      className="invite"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run();
      }}
    >
      <h3>Invite a member</h3>
      <Field label="Email">{(id) => <input id={id} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
      <Field label="Name">{(id) => <input id={id} value={name} maxLength={255} onChange={(e) => setName(e.target.value)} />}</Field>
      <Field label="Role">
        {(id) => (
          <select id={id} value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.filter((r) => r !== 'owner' || session.user.role === 'owner').map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorBox error={action.error} />
      {result &&
        (result.sent ? (
          <Notice tone="ok">Invitation emailed to {result.email}. The link works for 7 days.</Notice>
        ) : (
          <Notice tone="warn">
            No email server is configured, so pass this one-time link to {result.email} yourself:
            <span className="key-line">
              <code className="key">{result.url}</code>
              <CopyButton text={result.url ?? ''} label="Copy the invitation link" />
            </span>
          </Notice>
        ))}
      <button type="submit" className="btn btn-primary" disabled={action.busy || !email}>
        Send invitation
      </button>
    </form>
  );
}

const METHOD_TYPES = [
  { value: 'email', label: 'Email', placeholder: 'you@example.org' },
  { value: 'sms', label: 'SMS', placeholder: '+15555550100' },
  { value: 'phone', label: 'Voice call', placeholder: '+15555550100' },
  { value: 'webhook', label: 'Webhook', placeholder: 'https://…' },
  { value: 'slack', label: 'Slack / Mattermost', placeholder: 'https://hooks…' },
  { value: 'ntfy', label: 'ntfy', placeholder: 'https://ntfy.sh/ (a private topic is made for you)' },
  { value: 'discord', label: 'Discord', placeholder: 'https://discord.com/api/webhooks/… (channel → Integrations → Webhooks)' },
  { value: 'teams', label: 'Microsoft Teams', placeholder: 'https://…logic.azure.com/workflows/…&sig=… (channel → Workflows)' },
  { value: 'matrix', label: 'Matrix', placeholder: 'https://matrix.example.org (the homeserver)' },
];

/** The fields a type sends besides its address: an ntfy token (optional), a Matrix room and bot token (required) and the person's Matrix user (optional: "ack 42" replies). */
function methodExtra(type: string, accessToken: string, roomId: string, matrixUser = ''): { access_token?: string; room_id?: string; matrix_user_id?: string } {
  if (type === 'ntfy') return accessToken.trim() ? { access_token: accessToken.trim() } : {};
  if (type === 'matrix') return { access_token: accessToken.trim(), room_id: roomId.trim(), ...(matrixUser.trim() ? { matrix_user_id: matrixUser.trim() } : {}) };
  return {};
}

/** `user`: the signed-in member (as the session has it) or a listed one (a User has the same fields). */
function PersonCard({ user, session, manage, onChanged }: { user: Session['user']; session: Session; manage: boolean; onChanged: () => void }) {
  const self = user.id === session.user.id;
  const editable = self || manage;
  const methods = useAsync(() => contactMethods(user.id), [user.id]);
  const rules = useAsync(() => notificationRules(user.id), [user.id]);
  const [type, setType] = useState('email');
  const [address, setAddress] = useState('');
  const [label, setLabel] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [roomId, setRoomId] = useState('');
  const [matrixUser, setMatrixUser] = useState('');
  const add = useAction(async () => {
    await addContactMethod(user.id, type, address.trim(), label.trim(), methodExtra(type, accessToken, roomId, matrixUser));
    setAddress('');
    setLabel('');
    setAccessToken('');
    setRoomId('');
    setMatrixUser('');
    await methods.reload();
  });
  const addDevice = useAction(async () => {
    await addThisDevice(user.id, label.trim() || 'This device');
    await methods.reload();
  });
  const [tgLink, setTgLink] = useState<TelegramLink | null>(null);
  const linkTelegram = useAction(async () => setTgLink(await telegramLink(user.id)));
  const [ruleMethod, setRuleMethod] = useState('');
  const [delay, setDelay] = useState('0');
  const [urgency, setUrgency] = useState('high');
  const addRule = useAction(async () => (await addNotificationRule(user.id, ruleMethod, Number(delay), urgency), rules.reload()));
  const [testResult, setTestResult] = useState<string | null>(null);
  const test = useAction(async () => {
    const r = await sendTestPage(user.id);
    setTestResult(`Test page queued to ${r.contact_methods.join(', ')}.`);
  });
  const role = useAction(async (r: Role) => (await updateUser(user.id, { role: r }), onChanged()));

  return (
    <section className="card" aria-labelledby="person-h">
      <h2 id="person-h">{user.name}</h2>
      <p className="muted">
        {user.email}
        {user.time_zone ? ` · ${user.time_zone}` : ''}
      </p>
      {manage && !self ? (
        <Field label="Role">
          {(id) => (
            <select id={id} value={user.role} disabled={role.busy} onChange={(e) => void role.run(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        <p>
          Role: <strong>{user.role}</strong>
        </p>
      )}
      <ErrorBox error={role.error} />

      <h3>Contact methods</h3>
      <ErrorBox error={methods.error} />
      {!methods.data ? (
        <Loading what="contact methods" />
      ) : methods.data.length === 0 ? (
        <Notice tone="warn">No contact method: Vigil cannot page {self ? 'you' : user.name}.</Notice>
      ) : (
        <ul className="plain methods">
          {methods.data.map((m) => (
            <MethodItem key={m.id} userId={user.id} method={m} editable={editable} onChanged={() => void methods.reload()} />
          ))}
        </ul>
      )}
      {editable && (
        <form
          className="row-form"
          onSubmit={(e) => {
            e.preventDefault();
            void add.run();
          }}
        >
          <Field label="Type">
            {(id) => (
              <select id={id} value={type} onChange={(e) => setType(e.target.value)}>
                {METHOD_TYPES.map((t) => (
                  <option key={t.value} value={t.value}>
                    {t.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Address">{(id) => <input id={id} value={address} placeholder={METHOD_TYPES.find((t) => t.value === type)?.placeholder} onChange={(e) => setAddress(e.target.value)} />}</Field>
          <Field label="Label">{(id) => <input id={id} value={label} placeholder="Work phone" onChange={(e) => setLabel(e.target.value)} />}</Field>
          {type === 'ntfy' && (
            <Field label="Access token (optional, for a protected topic)">
              {(id) => <input id={id} type="password" autoComplete="off" value={accessToken} placeholder="tk_…" onChange={(e) => setAccessToken(e.target.value)} />}
            </Field>
          )}
          {type === 'matrix' && (
            <>
              <Field label="Room id (room settings → Advanced)">{(id) => <input id={id} value={roomId} placeholder="!AbCdEf:example.org" onChange={(e) => setRoomId(e.target.value)} />}</Field>
              <Field label="Bot access token (write-only)">
                {(id) => <input id={id} type="password" autoComplete="off" value={accessToken} placeholder="syt_…" onChange={(e) => setAccessToken(e.target.value)} />}
              </Field>
              <Field label="Your Matrix user (optional: reply “ack 42” in the room)">{(id) => <input id={id} value={matrixUser} placeholder="@ada:example.org" onChange={(e) => setMatrixUser(e.target.value)} />}</Field>
            </>
          )}
          {(type === 'discord' || type === 'teams') && <span className="muted">The URL is a secret: it is stored sealed and never shown again, only its host.</span>}
          <button type="submit" className="btn btn-secondary" disabled={add.busy || !address.trim() || (type === 'matrix' && (!roomId.trim() || !accessToken.trim()))}>
            Add
          </button>
          <ErrorBox error={add.error} />
        </form>
      )}
      {self && pushSupported() && (
        <div className="row-form">
          <button type="button" className="btn btn-secondary" disabled={addDevice.busy} onClick={() => void addDevice.run()}>
            Page me on this device
          </button>
          <span className="muted">Push notifications with Acknowledge and Resolve on the lock screen. Then send yourself the code to verify it.</span>
          <ErrorBox error={addDevice.error} />
        </div>
      )}
      {editable && (
        <div className="row-form">
          <button type="button" className="btn btn-secondary" disabled={linkTelegram.busy} onClick={() => void linkTelegram.run()}>
            Link Telegram
          </button>
          {tgLink ? (
            <span>
              {tgLink.url ? (
                <>
                  Open <a href={tgLink.url} target="_blank" rel="noreferrer">{tgLink.url.replace(/\?.*$/, '')}</a> on the phone and press Start, or send
                </>
              ) : (
                <>Send</>
              )}{' '}
              <code>{tgLink.command}</code> to the bot{tgLink.bot_username ? ` @${tgLink.bot_username}` : ''} before {new Date(tgLink.expires_at).toLocaleTimeString()}.{' '}
              <button type="button" className="btn btn-quiet btn-small" onClick={() => void methods.reload().then(() => setTgLink(null))}>
                Done
              </button>
            </span>
          ) : (
            <span className="muted">Pages in a Telegram chat with Acknowledge and Resolve buttons.</span>
          )}
          <ErrorBox error={linkTelegram.error} />
        </div>
      )}

      {editable && <WakePanel userId={user.id} self={self} version={JSON.stringify([methods.data, rules.data])} />}

      <h3>Notification rules</h3>
      <ErrorBox error={rules.error} />
      {rules.data && rules.data.length === 0 && <Notice tone="warn">No notification rule: even verified methods are not used for pages.</Notice>}
      {rules.data && rules.data.length > 0 && (
        <ul className="plain">
          {rules.data.map((r) => (
            <li key={r.id} className="rule">
              <span>
                {r.urgency} urgency: <strong>{r.contact_method.summary}</strong> {r.start_delay_in_minutes ? `after ${r.start_delay_in_minutes} min` : 'at once'}
              </span>
              {editable && (
                <button type="button" className="btn btn-quiet btn-small" onClick={() => void removeNotificationRule(user.id, r.id).then(() => rules.reload())}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {editable && methods.data && methods.data.length > 0 && (
        <form
          className="row-form"
          onSubmit={(e) => {
            e.preventDefault();
            void addRule.run();
          }}
        >
          <Field label="Method">
            {(id) => (
              <select id={id} value={ruleMethod} onChange={(e) => setRuleMethod(e.target.value)}>
                <option value="">Choose</option>
                {methods.data!.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="After (minutes)">{(id) => <input id={id} type="number" inputMode="numeric" min={0} max={1440} value={delay} onChange={(e) => setDelay(e.target.value)} />}</Field>
          <Field label="Urgency">
            {(id) => (
              <select id={id} value={urgency} onChange={(e) => setUrgency(e.target.value)}>
                <option value="high">High</option>
                <option value="low">Low</option>
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-secondary" disabled={addRule.busy || !ruleMethod}>
            Add rule
          </button>
          <ErrorBox error={addRule.error} />
        </form>
      )}

      {editable && (
        <>
          <h3>Test</h3>
          <button type="button" className="btn btn-primary" disabled={test.busy} onClick={() => void test.run()}>
            {self ? 'Send me a test page' : `Send ${user.name} a test page`}
          </button>
          <ErrorBox error={test.error} />
          {testResult && <Notice tone="ok">{testResult}</Notice>}
        </>
      )}
    </section>
  );
}

function MethodItem({ userId, method: m, editable, onChanged }: { userId: string; method: ContactMethod; editable: boolean; onChanged: () => void }) {
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(m.verification_pending);
  const send = useAction(async () => (await sendVerification(userId, m.id), setSent(true)));
  const check = useAction(async () => (await verify(userId, m.id, code.trim()), onChanged()));
  const remove = useAction(async () => (await removeContactMethod(userId, m.id), onChanged()));
  return (
    <li className="method">
      <div>
        <strong>{m.label}</strong> <span className="muted">{m.type.replace(/_contact_method$/, '')}</span> <code>{m.country_code ? `+${m.country_code} ${m.address}` : m.address}</code>{' '}
        {m.verified ? <span className="badge badge-resolved">Verified</span> : <span className="badge badge-triggered">Not verified</span>}
      </div>
      {editable && !m.verified && (
        <div className="row-form">
          <button type="button" className="btn btn-secondary btn-small" disabled={send.busy} onClick={() => void send.run()}>
            {sent ? 'Send a new code' : 'Send a code'}
          </button>
          {sent && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void check.run();
              }}
              className="row-form"
            >
              <Field label={`Code sent to ${m.label}`}>{(id) => <input id={id} inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} />}</Field>
              <button type="submit" className="btn btn-primary btn-small" disabled={check.busy || code.trim().length < 6}>
                Verify
              </button>
            </form>
          )}
        </div>
      )}
      {editable && m.verified && <MethodTestButton userId={userId} method={m} />}
      {editable && (
        <button type="button" className="btn btn-quiet btn-small" disabled={remove.busy} onClick={() => void remove.run()} aria-label={`Remove ${m.label}`}>
          Remove
        </button>
      )}
      <ErrorBox error={send.error ?? check.error ?? remove.error} />
    </li>
  );
}
