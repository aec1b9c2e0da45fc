import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { confirmTwoFactor, disableTwoFactor, saveTwoFactorPolicy, startTwoFactor, twoFactorPolicy, twoFactorStatus } from '../../data/session';
import { CodeBlock, CopyButton, ErrorBox, Field, Loading, Notice } from '../ui';
import { msg } from '../../i18n';

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
      <h2 id="tf-h">{msg('settings.twoFactor.two_factor_authentication')}</h2>
      {status.error ? <ErrorBox error={status.error} /> : !s ? <Loading what={msg('settings.twoFactor.two_factor_authentication_2')} /> : null}
      {codes && (
        <Notice tone="ok">{msg('settings.twoFactor.two_factor_authentication_is_on_keep')}<CodeBlock code={codes.join('\n')} label={msg('settings.twoFactor.recovery_codes')} />
          {onEnrolled && (
            <button type="button" className="btn btn-primary" onClick={onEnrolled}>{msg('settings.twoFactor.i_saved_them_continue')}</button>
          )}
        </Notice>
      )}
      {s && !s.active && !enrolment && (
        <>
          {s.required && <Notice tone="warn">{msg('settings.twoFactor.your_organization_requires_two_factor_authentication')}</Notice>}
          <p>{msg('settings.twoFactor.sign_in_then_asks_for_a')}</p>
          <ErrorBox error={start.error} />
          <button type="button" className="btn btn-secondary" disabled={start.busy} onClick={() => void start.run()}>{msg('settings.twoFactor.set_up_an_authenticator_app')}</button>
        </>
      )}
      {enrolment && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void confirm.run();
          }}
        >
          <p>{msg('settings.twoFactor.add_this_account_to_your_authenticator')}</p>
          <CodeBlock code={enrolment.otpauth_uri} label={msg('settings.twoFactor.otpauth_link')} />
          <p>{msg('settings.twoFactor.key')}{' '}<code>{enrolment.secret.match(/.{1,4}/g)?.join(' ')}</code> <CopyButton text={enrolment.secret} label={msg('settings.twoFactor.copy_key')} />
          </p>
          <Field label={msg('settings.twoFactor.code_from_the_app')}>{(id) => <input id={id} autoComplete="one-time-code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} />}</Field>
          <ErrorBox error={confirm.error} />
          <button type="submit" className="btn btn-primary" disabled={confirm.busy || !code}>{msg('settings.twoFactor.turn_on')}</button>
        </form>
      )}
      {s?.active && !codes && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void disable.run();
          }}
        >
          <p>{msg('settings.twoFactor.on')}{' '}{s.recovery_codes_left}{' '}{msg('settings.twoFactor.recovery_code')}{s.recovery_codes_left === 1 ? '' : 's'}{' '}{msg('settings.twoFactor.left')}{s.required ? msg('settings.twoFactor.your_organization_requires_it_for_your') : ''}
          </p>
          <Field label={msg('settings.twoFactor.current_password')}>{(id) => <input id={id} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
          <Field label={msg('settings.twoFactor.code_or_recovery_code')}>{(id) => <input id={id} autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />}</Field>
          <ErrorBox error={disable.error} />
          <button type="submit" className="btn btn-secondary" disabled={disable.busy || !password || !code}>{msg('settings.twoFactor.turn_off')}</button>
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
      <h2 id="tfp-h">{msg('settings.twoFactor.require_two_factor_authentication')}</h2>
      <p>{msg('settings.twoFactor.members_of_a_checked_role_without')}</p>
      {(['owner', 'admin'] as const).map((role) => (
        <label key={role} style={{ display: 'block' }}>
          <input type="checkbox" checked={roles.includes(role)} disabled={!policy.data || save.busy} onChange={() => toggle(role)} /> {role === 'owner' ? msg('settings.twoFactor.owners') : msg('settings.twoFactor.admins')}
        </label>
      ))}
      <ErrorBox error={save.error ?? policy.error} />
    </section>
  );
}
