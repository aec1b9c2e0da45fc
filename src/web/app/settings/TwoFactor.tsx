import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { confirmTwoFactor, disableTwoFactor, saveTwoFactorPolicy, startTwoFactor, twoFactorPolicy, twoFactorStatus } from '../../data/session';
import { CodeBlock, CopyButton, ErrorBox, Field, Loading, Notice } from '../ui';

/**
 * Your two-factor authentication (TOTP): enrol an authenticator app, see the recovery codes
 * once, or disable it with your password and a code. No QR library is in the tree, so the
 * otpauth:// URI and the secret are shown as text to paste or type into the app.
 */
export function TwoFactorCard({ onEnrolled }: { onEnrolled?: () => void }) {
  const status = useAsync(() => twoFactorStatus(), []);
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauth_uri: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const start = useAction(async () => setEnrolment(await startTwoFactor()));
  const confirm = useAction(async () => {
    setCodes(await confirmTwoFactor(code.replace(/\s/g, '')));
    setEnrolment(null);
    setCode('');
    status.reload();
  });
  const disable = useAction(async () => {
    const c = code.trim();
    await disableTwoFactor(password, /^\d{6}$/.test(c.replace(/\s/g, '')) ? { code: c.replace(/\s/g, '') } : { recovery_code: c });
    setPassword('');
    setCode('');
    status.reload();
  });
  const s = status.data;
  return (
    <section className="card" aria-labelledby="tf-h">
      <h2 id="tf-h">Two-factor authentication</h2>
      {status.error ? <ErrorBox error={status.error} /> : !s ? <Loading what="two-factor authentication" /> : null}
      {codes && (
        <Notice tone="ok">
          Two-factor authentication is on. Keep these recovery codes somewhere safe: each signs you in once if you lose your phone, and they are not shown again.
          <CodeBlock code={codes.join('\n')} label="Recovery codes" />
          {onEnrolled && (
            <button type="button" className="btn btn-primary" onClick={onEnrolled}>
              I saved them: continue
            </button>
          )}
        </Notice>
      )}
      {s && !s.active && !enrolment && (
        <>
          {s.required && <Notice tone="warn">Your organization requires two-factor authentication for your role. Enrol an authenticator app to continue.</Notice>}
          <p>Sign-in then asks for a 6-digit code from an authenticator app on your phone, besides your password.</p>
          <ErrorBox error={start.error} />
          <button type="button" className="btn btn-secondary" disabled={start.busy} onClick={() => void start.run()}>
            Set up an authenticator app
          </button>
        </>
      )}
      {enrolment && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void confirm.run();
          }}
        >
          <p>Add this account to your authenticator app: paste the link, or type the key. Then enter the code it shows.</p>
          <CodeBlock code={enrolment.otpauth_uri} label="otpauth link" />
          <p>
            Key: <code>{enrolment.secret.match(/.{1,4}/g)?.join(' ')}</code> <CopyButton text={enrolment.secret} label="Copy key" />
          </p>
          <Field label="Code from the app">{(id) => <input id={id} autoComplete="one-time-code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} />}</Field>
          <ErrorBox error={confirm.error} />
          <button type="submit" className="btn btn-primary" disabled={confirm.busy || !code}>
            Turn on
          </button>
        </form>
      )}
      {s?.active && !codes && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void disable.run();
          }}
        >
          <p>
            On. {s.recovery_codes_left} recovery code{s.recovery_codes_left === 1 ? '' : 's'} left.
            {s.required ? ' Your organization requires it for your role.' : ''}
          </p>
          <Field label="Current password">{(id) => <input id={id} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
          <Field label="Code or recovery code">{(id) => <input id={id} autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />}</Field>
          <ErrorBox error={disable.error} />
          <button type="submit" className="btn btn-secondary" disabled={disable.busy || !password || !code}>
            Turn off
          </button>
        </form>
      )}
    </section>
  );
}

/** Owners: which roles must use two-factor authentication. */
export function TwoFactorPolicyCard() {
  const policy = useAsync(() => twoFactorPolicy(), []);
  const save = useAction(async (roles: string[]) => {
    await saveTwoFactorPolicy(roles);
    policy.reload();
  });
  const roles = policy.data ?? [];
  const toggle = (role: string) => void save.run(roles.includes(role) ? roles.filter((r) => r !== role) : [...roles, role]);
  return (
    <section className="card" aria-labelledby="tfp-h">
      <h2 id="tfp-h">Require two-factor authentication</h2>
      <p>Members of a checked role without two-factor authentication can only enrol after signing in. API tokens are not affected.</p>
      {(['owner', 'admin'] as const).map((role) => (
        <label key={role} style={{ display: 'block' }}>
          <input type="checkbox" checked={roles.includes(role)} disabled={!policy.data || save.busy} onChange={() => toggle(role)} /> {role === 'owner' ? 'Owners' : 'Admins'}
        </label>
      ))}
      <ErrorBox error={save.error ?? policy.error} />
    </section>
  );
}
