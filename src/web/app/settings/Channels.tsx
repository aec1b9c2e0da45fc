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
      <h2 id="smsp-h">SMS providers</h2>
      <p className="muted small">Tried from the top: a provider that fails (5xx, timeout, refused credentials) hands the message to the next one, and the timeline says why. With none, SMS use the server's Twilio settings.</p>
      <ErrorBox error={error ?? move.error ?? remove.error} />
      {!providers ? (
        <Loading what="SMS providers" />
      ) : providers.length === 0 ? (
        <p className="muted">No providers: SMS go through the server's Twilio configuration.</p>
      ) : (
        <ol className="plain" aria-label="SMS providers in failover order">
          {providers.map((p, i) => (
            <li key={p.id} className="rule" data-testid="sms-provider">
              <span>
                <strong>
                  {p.position}. {p.name}
                </strong>{' '}
                <span className="muted small">
                  {PROVIDER_TYPES[p.type as SmsProviderType]?.label ?? p.type}
                  {p.from ? ` · from ${p.from}` : ''} · {p.cost_per_message.toFixed(4)} per message · timeout {p.timeout_seconds} s
                </span>
                <br />
                <span className={`badge health-${p.health.status}`} data-testid="sms-provider-health">
                  {HEALTH_WORDS[p.health.status]}
                </span>{' '}
                <span className="muted small">
                  last day: {p.health.successes} sent, {p.health.failures} failed
                  {p.health.last_failure_reason && (
                    <>
                      {' '}
                      · last failure {p.health.last_failure_at && <Time iso={p.health.last_failure_at} />}: <code>{p.health.last_failure_reason}</code>
                    </>
                  )}
                </span>
                {p.inbound_url && (
                  <span className="key-line small">
                    Webhook for replies and delivery receipts: <code>{p.inbound_url}</code>
                    <CopyButton text={p.inbound_url} label={`Copy the webhook address of ${p.name}`} />
                  </span>
                )}
                {editing === p.id && <ProviderForm provider={p} onSaved={async () => (setEditing(null), reload())} />}
              </span>
              <span className="actions">
                <button type="button" className="btn btn-quiet btn-small" disabled={i === 0 || move.busy} onClick={() => void move.run(p.id, -1)} aria-label={`Move ${p.name} up`}>
                  ↑
                </button>
                <button type="button" className="btn btn-quiet btn-small" disabled={i === providers.length - 1 || move.busy} onClick={() => void move.run(p.id, 1)} aria-label={`Move ${p.name} down`}>
                  ↓
                </button>
                <button type="button" className="btn btn-quiet btn-small" onClick={() => setEditing(editing === p.id ? null : p.id)} aria-label={`Edit ${p.name}`}>
                  Edit
                </button>
                <button type="button" className="btn btn-quiet btn-small" disabled={remove.busy} onClick={() => void remove.run(p.id)} aria-label={`Remove ${p.name}`}>
                  Remove
                </button>
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
        {provider ? `Edit ${provider.name}` : 'Add an SMS provider'}
      </h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        {!provider && (
          <Field label="Provider">
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
        <Field label="Name">{(id) => <input id={id} value={name} maxLength={100} placeholder="Backup SMS" onChange={(e) => setName(e.target.value)} />}</Field>
        {spec.from && <Field label="Send from" hint="An E.164 number (+15005550006) or a sender id.">{(id, d) => <input id={id} aria-describedby={d} value={from} onChange={(e) => setFrom(e.target.value)} />}</Field>}
        <Field label="API address" hint={spec.baseUrlHint}>
          {(id, d) => <input id={id} aria-describedby={d} value={baseUrl} required={spec.baseUrl === 'required'} onChange={(e) => setBaseUrl(e.target.value)} />}
        </Field>
        <div className="row">
          <Field label="Cost per message">{(id) => <input id={id} type="number" min="0" step="0.0001" value={cost} onChange={(e) => setCost(e.target.value)} />}</Field>
          <Field label="Timeout (seconds)">{(id) => <input id={id} type="number" min="0.5" max="30" step="0.5" value={timeout} onChange={(e) => setTimeoutS(e.target.value)} />}</Field>
        </div>
        <fieldset>
          <legend>Credentials{provider ? ` (stored: ${provider.credentials_set.join(', ') || 'none'}; fill in all to replace them)` : ''}</legend>
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
          {provider ? 'Save provider' : 'Add provider'}
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
      <h2 id="spend-h">SMS spend this month</h2>
      <ErrorBox error={error} />
      {!s ? (
        <Loading what="SMS spend" />
      ) : (
        <>
          {s.monthly_cap !== null && <meter min={0} max={s.monthly_cap} low={s.monthly_cap * 0.8} high={s.monthly_cap * 0.999} optimum={0} value={Math.min(s.spent, s.monthly_cap)} aria-label="Spend against the cap" />}
          <div data-testid="sms-spend" data-state={state}>
            <Notice tone={state === 'reached' || state === 'warning' ? 'warn' : 'info'}>{spendText(s)}</Notice>
          </div>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save.run();
            }}
          >
            <Field label="Monthly cap" hint="Estimated from each provider's cost per message. Empty: no cap.">
              {(id, d) => <input id={id} aria-describedby={d} type="number" min="0" step="0.01" value={cap} placeholder={s.monthly_cap === null ? 'no cap' : String(s.monthly_cap)} onChange={(e) => setCap(e.target.value)} />}
            </Field>
            <ErrorBox error={save.error} />
            <button type="submit" className="btn btn-secondary" disabled={save.busy}>
              Set cap
            </button>
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
      <h2 id="mx-h">Matrix replies</h2>
      <p className="muted small">The bot account reads its rooms, and a reply such as "ack 42" from a person paged there acknowledges.</p>
      <ErrorBox error={sync.error ?? stop.error} />
      {sync.loading && sync.data === undefined ? (
        <Loading what="Matrix sync" />
      ) : (
        <>
          <div data-testid="matrix-sync-status">
            <Notice tone={status.tone}>{status.text}</Notice>
          </div>
          {s && (
            <p className="small">
              {s.bot_user_id} on {s.homeserver} · token {s.access_token_hint} · last sync {s.last_sync_at ? <Time iso={s.last_sync_at} /> : 'never'}
            </p>
          )}
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save.run();
            }}
          >
            <Field label="Homeserver">{(id) => <input id={id} value={homeserver} placeholder={s?.homeserver ?? 'https://matrix.example.org'} onChange={(e) => setHomeserver(e.target.value)} />}</Field>
            <Field label="Bot user id">{(id) => <input id={id} value={bot} placeholder={s?.bot_user_id ?? '@vigil:example.org'} onChange={(e) => setBot(e.target.value)} />}</Field>
            <Field label="Bot access token">{(id) => <input id={id} type="password" autoComplete="off" value={token} placeholder={s ? 'unchanged' : 'syt_…'} onChange={(e) => setToken(e.target.value)} />}</Field>
            <ErrorBox error={save.error} />
            <button type="submit" className="btn btn-secondary" disabled={save.busy}>
              {s ? 'Save' : 'Turn on'}
            </button>{' '}
            {s && (
              <button type="button" className="btn btn-quiet" disabled={stop.busy} onClick={() => void stop.run()}>
                Turn off
              </button>
            )}
          </form>
        </>
      )}
    </section>
  );
}
