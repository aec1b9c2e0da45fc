import { useEffect, useState, type FormEvent } from 'react';
import { inspectLink, oidcProvider, redeemLink, requestReset, signIn, signInSecondStep } from '../../data/session';
import type { Session } from '../../data/types';
import { useAction } from '../../data/hooks';
import { Link } from '../router';
import { ErrorBox, Field, Notice } from '../ui';
import { LanguageSwitch, msg } from '../../i18n';

function AuthFrame({ title, children }: { title: string; children: React.ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Vigil`;
  }, [title]);
  return (
    <main className="auth" id="main">
      <div className="auth-card">
        <p className="auth-brand" aria-hidden="true">
          <svg viewBox="0 0 32 32" width="40" height="40">
            <rect width="32" height="32" rx="7" fill="#0b3d6e" />
            <path d="M8 9l8 15 8-15" fill="none" stroke="#ffd24d" strokeWidth="4" strokeLinecap="round" strokeLinejoin="round" />
          </svg>{msg('auth.signIn.vigil')}</p>
        <h1>{title}</h1>
        {children}
        <LanguageSwitch />
      </div>
    </main>
  );
}

/** The second step of signing in with two-factor authentication: the authenticator's code, or a recovery code. */
function SecondStep({ ticket, onSignedIn }: { ticket: string; onSignedIn: (s: Session) => void }) {
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const action = useAction(async () => onSignedIn(await signInSecondStep(ticket, recovery ? { recovery_code: code.trim() } : { code: code.replace(/\s/g, '') })));
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void action.run();
      }}
      noValidate
    >
      <p>{recovery ? msg('auth.signIn.type_one_of_your_recovery_codes') : msg('auth.signIn.type_the_6_digit_code_your')}</p>
      <Field label={recovery ? msg('auth.signIn.recovery_code') : msg('auth.signIn.code')}>
        {(id) => <input id={id} autoComplete="one-time-code" inputMode={recovery ? 'text' : 'numeric'} required value={code} onChange={(e) => setCode(e.target.value)} autoFocus />}
      </Field>
      <ErrorBox error={action.error} />
      <button type="submit" className="btn btn-primary btn-block" disabled={action.busy || !code}>
        {action.busy ? msg('auth.signIn.checking') : msg('auth.signIn.continue')}
      </button>
      <p className="auth-links">
        <button type="button" className="btn btn-quiet btn-small" onClick={() => (setRecovery(!recovery), setCode(''), action.clear())}>
          {recovery ? msg('auth.signIn.use_the_authenticator_app_instead') : msg('auth.signIn.use_a_recovery_code_instead')}
        </button>
      </p>
    </form>
  );
}

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [orgs, setOrgs] = useState<{ id: string; name: string }[] | null>(null);
  const [ticket, setTicket] = useState<string | null>(null);
  const action = useAction(async (orgId?: string) => {
    const r = await signIn(email, password, orgId);
    if ('session' in r) onSignedIn(r.session);
    else if ('ticket' in r) setTicket(r.ticket);
    else setOrgs(r.organizations);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run();
  };
  // Sign-in with the organization's identity provider: /login?org=<slug> shows its button; a refused sign-in comes back with the reason.
  const params = new URLSearchParams(location.search);
  const org = params.get('org');
  const oidcError = params.get('oidc_error') ? params.get('reason') || msg('auth.signIn.signing_in_with_your_identity_provider') : null;
  const [provider, setProvider] = useState<{ display_name: string; start_url: string } | null>(null);
  useEffect(() => {
    if (org) oidcProvider(org).then(setProvider, () => setProvider(null));
  }, [org]);
  return (
    <AuthFrame title={msg('auth.signIn.sign_in')}>
      {oidcError ? <Notice tone="warn">{oidcError}</Notice> : null}
      {provider && !ticket && !orgs ? (
        <p>
          <a className="btn btn-primary btn-block" href={provider.start_url}>{msg('auth.signIn.sign_in_with')}{' '}{provider.display_name}
          </a>
        </p>
      ) : null}
      {ticket ? (
        <SecondStep ticket={ticket} onSignedIn={onSignedIn} />
      ) : orgs ? (
        <div>
          <p>{msg('auth.signIn.this_email_opens_several_organizations_which')}</p>
          <ul className="choices">
            {orgs.map((o) => (
              <li key={o.id}>
                <button type="button" className="btn btn-primary btn-block" disabled={action.busy} onClick={() => void action.run(o.id)}>
                  {o.name}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field label={msg('auth.signIn.email')}>{(id) => <input id={id} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}</Field>
          <Field label={msg('auth.signIn.password')}>{(id) => <input id={id} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
          <ErrorBox error={action.error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={action.busy || !email || !password}>
            {action.busy ? msg('auth.signIn.signing_in') : msg('auth.signIn.sign_in')}
          </button>
          <p className="auth-links">
            <Link to="/forgot">{msg('auth.signIn.forgot_your_password')}</Link>
          </p>
        </form>
      )}
    </AuthFrame>
  );
}

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction(async () => (await requestReset(email), setDone(msg('auth.signIn.reset_requested'))));
  return (
    <AuthFrame title={msg('auth.signIn.reset_your_password')}>
      {done ? (
        <Notice tone="ok">{done}{' '}{msg('auth.signIn.the_link_works_for_one_hour')}</Notice>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run();
          }}
        >
          <p>{msg('auth.signIn.we_email_you_a_link_to')}</p>
          <Field label={msg('auth.signIn.email')}>{(id) => <input id={id} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}</Field>
          <ErrorBox error={action.error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={action.busy || !email}>{msg('auth.signIn.email_me_a_link')}</button>
        </form>
      )}
      <p className="auth-links">
        <Link to="/login">{msg('auth.signIn.back_to_sign_in')}</Link>
      </p>
    </AuthFrame>
  );
}

/** The page an invitation or reset email links to; the token is in the URL fragment. */
export function AccountLink({ kind, onSignedIn }: { kind: 'invite' | 'reset'; onSignedIn: (s: Session) => void }) {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const [info, setInfo] = useState<Awaited<ReturnType<typeof inspectLink>>['link'] | null>(null);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [ticket, setTicket] = useState<string | null>(null);
  const look = useAction(async () => {
    const r = await inspectLink(token);
    setInfo(r.link);
    setName(r.link.name);
  });
  useEffect(() => {
    if (token) void look.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token]);
  const action = useAction(async () => {
    if (password !== confirm) throw new Error(msg('auth.signIn.the_two_passwords_differ'));
    const r = await redeemLink(token, password, kind === 'invite' ? name : undefined);
    history.replaceState(null, '', location.pathname); // the token is spent; keep it out of history
    if ('ticket' in r) setTicket(r.ticket);
    else onSignedIn(r.session);
  });
  const title = kind === 'invite' ? msg('auth.signIn.welcome_to_vigil') : msg('auth.signIn.choose_a_new_password');
  if (ticket) {
    return (
      <AuthFrame title={title}>
        <Notice tone="ok">{msg('auth.signIn.password_saved')}</Notice>
        <SecondStep ticket={ticket} onSignedIn={onSignedIn} />
      </AuthFrame>
    );
  }
  if (!token) return <AuthFrame title={title}>{<ErrorBox error={new Error(msg('auth.signIn.this_link_is_incomplete_open_it'))} />}</AuthFrame>;
  return (
    <AuthFrame title={title}>
      <ErrorBox error={look.error} />
      {info && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run();
          }}
        >
          <p>
            {kind === 'invite' ? msg('auth.signIn.you_are_joining') : msg('auth.signIn.for')}
            <strong>{info.organization.name}</strong>{' '}{msg('auth.signIn.as')}{' '}<strong>{info.email}</strong>.
          </p>
          {kind === 'invite' && <Field label={msg('auth.signIn.your_name')}>{(id) => <input id={id} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />}</Field>}
          <Field label={msg('auth.signIn.password')} hint={msg('auth.signIn.at_least_10_characters_a_few')}>
            {(id, d) => <input id={id} type="password" autoComplete="new-password" aria-describedby={d} minLength={10} required value={password} onChange={(e) => setPassword(e.target.value)} />}
          </Field>
          <Field label={msg('auth.signIn.password_again')}>{(id) => <input id={id} type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />}</Field>
          <ErrorBox error={action.error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={action.busy || password.length < 10}>
            {kind === 'invite' ? msg('auth.signIn.set_password_and_sign_in') : msg('auth.signIn.save_and_sign_in')}
          </button>
        </form>
      )}
    </AuthFrame>
  );
}
