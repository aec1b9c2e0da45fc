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
import { fmtTime, msg } from '../../i18n';

/** A role's name in the reader's language (the value sent stays PagerDuty's). */
function roleLabel(role: string): string {
  return (ROLES as readonly string[]).includes(role) ? msg(`people.people.role_name.${role as (typeof ROLES)[number]}`) : role;
}

export function People({ session, focusUserId }: { session: Session; focusUserId?: string | undefined }) {
  // A volunteer cannot list the members (403); they manage their own contact methods and rules here.
  if (session.user.role === 'volunteer')
    return (
      <>
        <PageHeader title={msg('people.people.my_contact_methods')} />
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
      <PageHeader title={msg('people.people.people')} />
      <div className="grid">
        <section className="card" aria-labelledby="mem-h">
          <h2 id="mem-h">{msg('people.people.members')}</h2>
          <ErrorBox error={users.error} />
          {!users.data ? (
            <Loading what={msg('people.people.members_2')} />
          ) : (
            <ul className="plain members">
              {users.data.map((u) => (
                <li key={u.id}>
                  <button type="button" className={`member ${u.id === selected ? 'member-selected' : ''}`} aria-pressed={u.id === selected} onClick={() => setSelected(u.id)}>
                    <span className="member-name">
                      {u.name}
                      {u.id === session.user.id ? msg('people.people.you') : ''}
                    </span>
                    <span className="muted small">
                      {u.email} · {roleLabel(u.role)}
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
      <h3>{msg('people.people.invite_a_member')}</h3>
      <Field label={msg('people.people.email')}>{(id) => <input id={id} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
      <Field label={msg('people.people.name')}>{(id) => <input id={id} value={name} maxLength={255} onChange={(e) => setName(e.target.value)} />}</Field>
      <Field label={msg('people.people.role')}>
        {(id) => (
          <select id={id} value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.filter((r) => r !== 'owner' || session.user.role === 'owner').map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorBox error={action.error} />
      {result &&
        (result.sent ? (
          <Notice tone="ok">{msg('people.people.invitation_emailed_to')}{' '}{result.email}{msg('people.people.the_link_works_for_7_days')}</Notice>
        ) : (
          <Notice tone="warn">{msg('people.people.no_email_server_is_configured_so')}{' '}{result.email}{' '}{msg('people.people.yourself')}<span className="key-line">
              <code className="key">{result.url}</code>
              <CopyButton text={result.url ?? ''} label={msg('people.people.copy_the_invitation_link')} />
            </span>
          </Notice>
        ))}
      <button type="submit" className="btn btn-primary" disabled={action.busy || !email}>{msg('people.people.send_invitation')}</button>
    </form>
  );
}

const METHOD_TYPES = [
  { value: 'email', label: 'Email', placeholder: 'you@example.org' },
  { value: 'sms', label: 'SMS', placeholder: '+15555550100' },
  { value: 'phone', get label() { return msg('people.people.voice_call'); }, placeholder: '+15555550100' },
  { value: 'webhook', label: 'Webhook', placeholder: 'https://…' },
  { value: 'slack', label: 'Slack / Mattermost', placeholder: 'https://hooks…' },
  { value: 'ntfy', label: 'ntfy', get placeholder() { return msg('people.people.https_ntfy_sh_a_private_topic'); } },
  { value: 'discord', label: 'Discord', placeholder: 'https://discord.com/api/webhooks/… (channel → Integrations → Webhooks)' },
  { value: 'teams', label: 'Microsoft Teams', placeholder: 'https://…logic.azure.com/workflows/…&sig=… (channel → Workflows)' },
  { value: 'matrix', label: 'Matrix', get placeholder() { return msg('people.people.https_matrix_example_org_the_homeserver'); } },
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
    await addThisDevice(user.id, label.trim() || msg('people.people.this_device'));
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
    setTestResult(msg('people.people.test_page_queued_to', { v0: r.contact_methods.join(', ') }));
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
        <Field label={msg('people.people.role')}>
          {(id) => (
            <select id={id} value={user.role} disabled={role.busy} onChange={(e) => void role.run(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        <p>{msg('people.people.role_2')}{' '}<strong>{roleLabel(user.role)}</strong>
        </p>
      )}
      <ErrorBox error={role.error} />

      <h3>{msg('people.people.contact_methods')}</h3>
      <ErrorBox error={methods.error} />
      {!methods.data ? (
        <Loading what={msg('people.people.contact_methods_2')} />
      ) : methods.data.length === 0 ? (
        <Notice tone="warn">{msg('people.people.no_contact_method_vigil_cannot_page')}{' '}{self ? msg('people.people.you_2') : user.name}.</Notice>
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
          <Field label={msg('people.people.type')}>
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
          <Field label={msg('people.people.address')}>{(id) => <input id={id} value={address} placeholder={METHOD_TYPES.find((t) => t.value === type)?.placeholder} onChange={(e) => setAddress(e.target.value)} />}</Field>
          <Field label={msg('people.people.label')}>{(id) => <input id={id} value={label} placeholder={msg('people.people.work_phone')} onChange={(e) => setLabel(e.target.value)} />}</Field>
          {type === 'ntfy' && (
            <Field label={msg('people.people.access_token_optional_for_a_protected')}>
              {(id) => <input id={id} type="password" autoComplete="off" value={accessToken} placeholder={msg('people.people.tk')} onChange={(e) => setAccessToken(e.target.value)} />}
            </Field>
          )}
          {type === 'matrix' && (
            <>
              <Field label={msg('people.people.room_id_room_settings_advanced')}>{(id) => <input id={id} value={roomId} placeholder={msg('people.people.abcdef_example_org')} onChange={(e) => setRoomId(e.target.value)} />}</Field>
              <Field label={msg('people.people.bot_access_token_write_only')}>
                {(id) => <input id={id} type="password" autoComplete="off" value={accessToken} placeholder={msg('people.people.syt')} onChange={(e) => setAccessToken(e.target.value)} />}
              </Field>
              <Field label={msg('people.people.your_matrix_user_optional_reply_ack')}>{(id) => <input id={id} value={matrixUser} placeholder={msg('people.people.ada_example_org')} onChange={(e) => setMatrixUser(e.target.value)} />}</Field>
            </>
          )}
          {(type === 'discord' || type === 'teams') && <span className="muted">{msg('people.people.the_url_is_a_secret_it')}</span>}
          <button type="submit" className="btn btn-secondary" disabled={add.busy || !address.trim() || (type === 'matrix' && (!roomId.trim() || !accessToken.trim()))}>{msg('people.people.add')}</button>
          <ErrorBox error={add.error} />
        </form>
      )}
      {self && pushSupported() && (
        <div className="row-form">
          <button type="button" className="btn btn-secondary" disabled={addDevice.busy} onClick={() => void addDevice.run()}>{msg('people.people.page_me_on_this_device')}</button>
          <span className="muted">{msg('people.people.push_notifications_with_acknowledge_and_resolve')}</span>
          <ErrorBox error={addDevice.error} />
        </div>
      )}
      {editable && (
        <div className="row-form">
          <button type="button" className="btn btn-secondary" disabled={linkTelegram.busy} onClick={() => void linkTelegram.run()}>{msg('people.people.link_telegram')}</button>
          {tgLink ? (
            <span>
              {tgLink.url ? (
                <>{msg('people.people.open')}{' '}<a href={tgLink.url} target="_blank" rel="noreferrer">{tgLink.url.replace(/\?.*$/, '')}</a>{' '}{msg('people.people.on_the_phone_and_press_start')}</>
              ) : (
                <>{msg('people.people.send')}</>
              )}{' '}
              <code>{tgLink.command}</code>{' '}{msg('people.people.to_the_bot')}{tgLink.bot_username ? ` @${tgLink.bot_username}` : ''}{' '}{msg('people.people.before')}{' '}{fmtTime(tgLink.expires_at)}.{' '}
              <button type="button" className="btn btn-quiet btn-small" onClick={() => void methods.reload().then(() => setTgLink(null))}>{msg('people.people.done')}</button>
            </span>
          ) : (
            <span className="muted">{msg('people.people.pages_in_a_telegram_chat_with')}</span>
          )}
          <ErrorBox error={linkTelegram.error} />
        </div>
      )}

      {editable && <WakePanel userId={user.id} self={self} version={JSON.stringify([methods.data, rules.data])} />}

      <h3>{msg('people.people.notification_rules')}</h3>
      <ErrorBox error={rules.error} />
      {rules.data && rules.data.length === 0 && <Notice tone="warn">{msg('people.people.no_notification_rule_even_verified_methods')}</Notice>}
      {rules.data && rules.data.length > 0 && (
        <ul className="plain">
          {rules.data.map((r) => (
            <li key={r.id} className="rule">
              <span>
                {r.urgency}{' '}{msg('people.people.urgency')}{' '}<strong>{r.contact_method.summary}</strong> {r.start_delay_in_minutes ? msg('people.people.after_min', { start_delay_in_minutes: r.start_delay_in_minutes }) : msg('people.people.at_once')}
              </span>
              {editable && (
                <button type="button" className="btn btn-quiet btn-small" onClick={() => void removeNotificationRule(user.id, r.id).then(() => rules.reload())}>{msg('people.people.remove')}</button>
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
          <Field label={msg('people.people.method')}>
            {(id) => (
              <select id={id} value={ruleMethod} onChange={(e) => setRuleMethod(e.target.value)}>
                <option value="">{msg('people.people.choose')}</option>
                {methods.data!.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={msg('people.people.after_minutes')}>{(id) => <input id={id} type="number" inputMode="numeric" min={0} max={1440} value={delay} onChange={(e) => setDelay(e.target.value)} />}</Field>
          <Field label={msg('people.people.urgency_2')}>
            {(id) => (
              <select id={id} value={urgency} onChange={(e) => setUrgency(e.target.value)}>
                <option value="high">{msg('people.people.high')}</option>
                <option value="low">{msg('people.people.low')}</option>
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-secondary" disabled={addRule.busy || !ruleMethod}>{msg('people.people.add_rule')}</button>
          <ErrorBox error={addRule.error} />
        </form>
      )}

      {editable && (
        <>
          <h3>{msg('people.people.test')}</h3>
          <button type="button" className="btn btn-primary" disabled={test.busy} onClick={() => void test.run()}>
            {self ? msg('people.people.send_me_a_test_page') : msg('people.people.send_a_test_page', { name: user.name })}
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
        {m.verified ? <span className="badge badge-resolved">{msg('people.people.verified')}</span> : <span className="badge badge-triggered">{msg('people.people.not_verified')}</span>}
      </div>
      {editable && !m.verified && (
        <div className="row-form">
          <button type="button" className="btn btn-secondary btn-small" disabled={send.busy} onClick={() => void send.run()}>
            {sent ? msg('people.people.send_a_new_code') : msg('people.people.send_a_code')}
          </button>
          {sent && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void check.run();
              }}
              className="row-form"
            >
              <Field label={msg('people.people.code_sent_to', { label: m.label })}>{(id) => <input id={id} inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} />}</Field>
              <button type="submit" className="btn btn-primary btn-small" disabled={check.busy || code.trim().length < 6}>{msg('people.people.verify')}</button>
            </form>
          )}
        </div>
      )}
      {editable && m.verified && <MethodTestButton userId={userId} method={m} />}
      {editable && (
        <button type="button" className="btn btn-quiet btn-small" disabled={remove.busy} onClick={() => void remove.run()} aria-label={msg('people.people.remove_2', { label: m.label })}>{msg('people.people.remove')}</button>
      )}
      <ErrorBox error={send.error ?? check.error ?? remove.error} />
    </li>
  );
}
