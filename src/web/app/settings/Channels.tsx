import { useState } from 'react';
import {
  createSmsProvider,
  credentialsOf,
  getMatrixSync,
  getSmsSpend,
  HEALTH_WORDS,
  listSmsProviders,
  matrixStatus,
  moveProvider,
  orderSmsProviders,
  PROVIDER_TYPES,
  removeSmsProvider,
  setMatrixSync,
  setSmsCap,
  spendState,
  spendText,
  stopMatrixSync,
  updateSmsProvider,
  type SmsProvider,
  type SmsSpend,
  type SmsProviderType,
} from '../../data/channels';
import { useAction, useAsync } from '../../data/hooks';
import { CopyButton, ErrorBox, Field, Loading, Notice, Time } from '../ui';
import { msg } from '../../i18n';

/** Admins: SMS providers (failover order, health, spend cap) and the Matrix sync. */
export function Channels() {
  const providers = useAsync(() => listSmsProviders(), []);
  const spend = useAsync(() => getSmsSpend(), []);
  return (
    <div className="grid">
      <SmsProviders providers={providers.data} error={providers.error} reload={providers.reload} />
      <ProviderForm onSaved={providers.reload} />
      <SpendCard spend={spend.data} error={spend.error} reload={spend.reload} />
      <MatrixCard />
    </div>
  );
}

function SmsProviders({ providers, error, reload }: { providers: SmsProvider[] | undefined; error: Error | null; reload: () => Promise<void> }) {
  const [editing, setEditing] = useState<string | null>(null);
  const move = useAction(async (id: string, by: -1 | 1) => {
    await orderSmsProviders(moveProvider((providers ?? []).map((p) => p.id), id, by));
    await reload();
  });
  const remove = useAction(async (id: string) => (await removeSmsProvider(id), reload()));
  return (
    <section className="card span-2" aria-labelledby="smsp-h">
      <h2 id="smsp-h">{msg('settings.channels.sms_providers')}</h2>
      <p className="muted small">{msg('settings.channels.tried_from_the_top_a_provider')}</p>
      <ErrorBox error={error ?? move.error ?? remove.error} />
      {!providers ? (
        <Loading what={msg('settings.channels.sms_providers')} />
      ) : providers.length === 0 ? (
        <p className="muted">{msg('settings.channels.no_providers_sms_go_through_the')}</p>
      ) : (
        <ol className="plain" aria-label={msg('settings.channels.sms_providers_in_failover_order')}>
          {providers.map((p, i) => (
            <li key={p.id} className="rule" data-testid="sms-provider">
              <span>
                <strong>
                  {p.position}. {p.name}
                </strong>{' '}
                <span className="muted small">
                  {PROVIDER_TYPES[p.type as SmsProviderType]?.label ?? p.type}
                  {p.from ? msg('settings.channels.from', { from: p.from }) : ''} · {p.cost_per_message.toFixed(4)}{' '}{msg('settings.channels.per_message_timeout')}{' '}{p.timeout_seconds} s
                </span>
                <br />
                <span className={`badge health-${p.health.status}`} data-testid="sms-provider-health">
                  {HEALTH_WORDS[p.health.status]}
                </span>{' '}
                <span className="muted small">{msg('settings.channels.last_day')}{' '}{p.health.successes}{' '}{msg('settings.channels.sent')}{' '}{p.health.failures}{' '}{msg('settings.channels.failed')}{p.health.last_failure_reason && (
                    <>
                      {' '}{msg('settings.channels.last_failure')}{' '}{p.health.last_failure_at && <Time iso={p.health.last_failure_at} />}: <code>{p.health.last_failure_reason}</code>
                    </>
                  )}
                </span>
                {p.inbound_url && (
                  <span className="key-line small">{msg('settings.channels.webhook_for_replies_and_delivery_receipts')}{' '}<code>{p.inbound_url}</code>
                    <CopyButton text={p.inbound_url} label={msg('settings.channels.copy_the_webhook_address_of', { name: p.name })} />
                  </span>
                )}
                {editing === p.id && <ProviderForm provider={p} onSaved={async () => (setEditing(null), reload())} />}
              </span>
              <span className="actions">
                <button type="button" className="btn btn-quiet btn-small" disabled={i === 0 || move.busy} onClick={() => void move.run(p.id, -1)} aria-label={msg('settings.channels.move_up', { name: p.name })}>
                  ↑
                </button>
                <button type="button" className="btn btn-quiet btn-small" disabled={i === providers.length - 1 || move.busy} onClick={() => void move.run(p.id, 1)} aria-label={msg('settings.channels.move_down', { name: p.name })}>
                  ↓
                </button>
                <button type="button" className="btn btn-quiet btn-small" onClick={() => setEditing(editing === p.id ? null : p.id)} aria-label={msg('settings.channels.edit_2', { name: p.name })}>{msg('settings.channels.edit')}</button>
                <button type="button" className="btn btn-quiet btn-small" disabled={remove.busy} onClick={() => void remove.run(p.id)} aria-label={msg('settings.channels.remove_2', { name: p.name })}>{msg('settings.channels.remove')}</button>
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** Adds a provider, or edits one (credentials, when filled in, replace the stored ones; left empty they stay). */
function ProviderForm({ provider, onSaved }: { provider?: SmsProvider; onSaved: () => Promise<void> }) {
  const [type, setType] = useState<SmsProviderType>((provider?.type as SmsProviderType) ?? 'vonage');
  const [name, setName] = useState(provider?.name ?? '');
  const [from, setFrom] = useState(provider?.from ?? '');
  const [baseUrl, setBaseUrl] = useState(provider?.base_url ?? '');
  const [cost, setCost] = useState(String(provider?.cost_per_message ?? '0.0075'));
  const [timeout, setTimeoutS] = useState(String(provider?.timeout_seconds ?? 10));
  const [creds, setCreds] = useState<Record<string, string>>({});
  const spec = PROVIDER_TYPES[type];
  const save = useAction(async () => {
    const credentials = credentialsOf(type, creds);
    const body = {
      name: name.trim(),
      ...(spec.from ? { from: from.trim() } : {}),
      base_url: baseUrl.trim() || null,
      cost_per_message: Number(cost),
      timeout_seconds: Number(timeout),
      ...(provider && Object.keys(credentials).length === 0 ? {} : { credentials }),
    };
    if (provider) await updateSmsProvider(provider.id, body);
    else await createSmsProvider({ type, ...body });
    setCreds({});
    if (!provider) setName('');
    await onSaved();
  });
  const prefix = provider ? `edit-${provider.id}` : 'new-sms';
  return (
    <section className={provider ? 'subform' : 'card'} aria-labelledby={`${prefix}-h`}>
      <h2 id={`${prefix}-h`} className={provider ? 'sr-only' : undefined}>
        {provider ? msg('settings.channels.edit_2', { name: provider.name }) : msg('settings.channels.add_an_sms_provider')}
      </h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        {!provider && (
          <Field label={msg('settings.channels.provider')}>
            {(id) => (
              <select id={id} value={type} onChange={(e) => (setType(e.target.value as SmsProviderType), setCreds({}))}>
                {(Object.keys(PROVIDER_TYPES) as SmsProviderType[]).map((t) => (
                  <option key={t} value={t}>
                    {PROVIDER_TYPES[t].label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label={msg('settings.channels.name')}>{(id) => <input id={id} value={name} maxLength={100} placeholder={msg('settings.channels.backup_sms')} onChange={(e) => setName(e.target.value)} />}</Field>
        {spec.from && <Field label={msg('settings.channels.send_from')} hint={msg('settings.channels.an_e_164_number_15005550006_or')}>{(id, d) => <input id={id} aria-describedby={d} value={from} onChange={(e) => setFrom(e.target.value)} />}</Field>}
        <Field label={msg('settings.channels.api_address')} hint={spec.baseUrlHint}>
          {(id, d) => <input id={id} aria-describedby={d} value={baseUrl} required={spec.baseUrl === 'required'} onChange={(e) => setBaseUrl(e.target.value)} />}
        </Field>
        <div className="row">
          <Field label={msg('settings.channels.cost_per_message')}>{(id) => <input id={id} type="number" min="0" step="0.0001" value={cost} onChange={(e) => setCost(e.target.value)} />}</Field>
          <Field label={msg('settings.channels.timeout_seconds')}>{(id) => <input id={id} type="number" min="0.5" max="30" step="0.5" value={timeout} onChange={(e) => setTimeoutS(e.target.value)} />}</Field>
        </div>
        <fieldset>
          <legend>{msg('settings.channels.credentials')}{provider ? msg('settings.channels.stored_fill_in_all_to_replace', { v0: provider.credentials_set.join(', ') || 'none' }) : ''}</legend>
          {spec.credentials.map((f) => (
            <Field key={f.name} label={f.label + (f.optional ? ' (optional)' : '')}>
              {(id) =>
                f.multiline ? (
                  <textarea id={id} rows={3} autoComplete="off" value={creds[f.name] ?? ''} onChange={(e) => setCreds({ ...creds, [f.name]: e.target.value })} />
                ) : (
                  <input id={id} type={f.secret ? 'password' : 'text'} autoComplete="off" value={creds[f.name] ?? ''} onChange={(e) => setCreds({ ...creds, [f.name]: e.target.value })} />
                )
              }
            </Field>
          ))}
        </fieldset>
        <ErrorBox error={save.error} />
        <button type="submit" className="btn btn-primary" disabled={save.busy || !name.trim()}>
          {provider ? msg('settings.channels.save_provider') : msg('settings.channels.add_provider')}
        </button>
      </form>
    </section>
  );
}

function SpendCard({ spend: s, error, reload }: { spend: SmsSpend | undefined; error: Error | null; reload: () => Promise<void> }) {
  const [cap, setCap] = useState('');
  const save = useAction(async () => (await setSmsCap(cap.trim() === '' ? null : Number(cap)), setCap(''), reload()));
  const state = s ? spendState(s) : null;
  return (
    <section className="card" aria-labelledby="spend-h">
      <h2 id="spend-h">{msg('settings.channels.sms_spend_this_month')}</h2>
      <ErrorBox error={error} />
      {!s ? (
        <Loading what={msg('settings.channels.sms_spend')} />
      ) : (
        <>
          {s.monthly_cap !== null && <meter min={0} max={s.monthly_cap} low={s.monthly_cap * 0.8} high={s.monthly_cap * 0.999} optimum={0} value={Math.min(s.spent, s.monthly_cap)} aria-label={msg('settings.channels.spend_against_the_cap')} />}
          <div data-testid="sms-spend" data-state={state}>
            <Notice tone={state === 'reached' || state === 'warning' ? 'warn' : 'info'}>{spendText(s)}</Notice>
          </div>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save.run();
            }}
          >
            <Field label={msg('settings.channels.monthly_cap')} hint={msg('settings.channels.estimated_from_each_provider_s_cost')}>
              {(id, d) => <input id={id} aria-describedby={d} type="number" min="0" step="0.01" value={cap} placeholder={s.monthly_cap === null ? msg('settings.channels.no_cap') : String(s.monthly_cap)} onChange={(e) => setCap(e.target.value)} />}
            </Field>
            <ErrorBox error={save.error} />
            <button type="submit" className="btn btn-secondary" disabled={save.busy}>{msg('settings.channels.set_cap')}</button>
          </form>
        </>
      )}
    </section>
  );
}

function MatrixCard() {
  const sync = useAsync(() => getMatrixSync(), []);
  const [homeserver, setHomeserver] = useState('');
  const [token, setToken] = useState('');
  const [bot, setBot] = useState('');
  const save = useAction(async () => {
    await setMatrixSync({ ...(homeserver.trim() ? { homeserver: homeserver.trim() } : {}), ...(token.trim() ? { access_token: token.trim() } : {}), ...(bot.trim() ? { bot_user_id: bot.trim() } : {}) });
    setToken('');
    await sync.reload();
  });
  const stop = useAction(async () => (await stopMatrixSync(), sync.reload()));
  const s = sync.data ?? null;
  const status = matrixStatus(s);
  return (
    <section className="card" aria-labelledby="mx-h">
      <h2 id="mx-h">{msg('settings.channels.matrix_replies')}</h2>
      <p className="muted small">{msg('settings.channels.the_bot_account_reads_its_rooms')}</p>
      <ErrorBox error={sync.error ?? stop.error} />
      {sync.loading && sync.data === undefined ? (
        <Loading what={msg('settings.channels.matrix_sync')} />
      ) : (
        <>
          <div data-testid="matrix-sync-status">
            <Notice tone={status.tone}>{status.text}</Notice>
          </div>
          {s && (
            <p className="small">
              {s.bot_user_id}{' '}{msg('settings.channels.on')}{' '}{s.homeserver}{' '}{msg('settings.channels.token')}{' '}{s.access_token_hint}{' '}{msg('settings.channels.last_sync')}{' '}{s.last_sync_at ? <Time iso={s.last_sync_at} /> : msg('settings.channels.never')}
            </p>
          )}
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save.run();
            }}
          >
            <Field label={msg('settings.channels.homeserver')}>{(id) => <input id={id} value={homeserver} placeholder={s?.homeserver ?? msg('settings.channels.https_matrix_example_org')} onChange={(e) => setHomeserver(e.target.value)} />}</Field>
            <Field label={msg('settings.channels.bot_user_id')}>{(id) => <input id={id} value={bot} placeholder={s?.bot_user_id ?? msg('settings.channels.vigil_example_org')} onChange={(e) => setBot(e.target.value)} />}</Field>
            <Field label={msg('settings.channels.bot_access_token')}>{(id) => <input id={id} type="password" autoComplete="off" value={token} placeholder={s ? msg('settings.channels.unchanged') : msg('settings.channels.syt')} onChange={(e) => setToken(e.target.value)} />}</Field>
            <ErrorBox error={save.error} />
            <button type="submit" className="btn btn-secondary" disabled={save.busy}>
              {s ? msg('settings.channels.save') : msg('settings.channels.turn_on')}
            </button>{' '}
            {s && (
              <button type="button" className="btn btn-quiet" disabled={stop.busy} onClick={() => void stop.run()}>{msg('settings.channels.turn_off')}</button>
            )}
          </form>
        </>
      )}
    </section>
  );
}
