import { useEffect, useRef, type ReactNode } from 'react';
import { connectLive, setLiveEnabled, useLiveState } from '../data/live';
import { signOut } from '../data/session';
import type { Session } from '../data/types';
import { Link, useLocation } from './router';
import { msg, type MessageId } from '../i18n';

type NavItem = { to: string; label: MessageId; short?: MessageId; icon: string };
const NAV: NavItem[] = [
  { to: '/', label: 'shell.nav.dashboard', short: 'shell.nav.dashboard_short', icon: '◉' },
  { to: '/incidents', label: 'shell.nav.incidents', icon: '!' },
  { to: '/services', label: 'shell.nav.services', icon: '▤' },
  { to: '/schedules', label: 'shell.nav.on_call', icon: '◷' },
  { to: '/people', label: 'shell.nav.people', icon: '☺' },
  { to: '/analytics', label: 'shell.nav.analytics', short: 'shell.nav.analytics_short', icon: '▥' },
  { to: '/volunteers', label: 'shell.nav.volunteers', short: 'shell.nav.volunteers_short', icon: '♥' },
  { to: '/settings', label: 'shell.nav.settings', icon: '⚙' },
];

/** What a volunteer may open (the rest answers them 403). */
const VOLUNTEER_NAV: NavItem[] = [
  { to: '/', label: 'shell.nav.my_volunteering', short: 'shell.nav.my_volunteering_short', icon: '♥' },
  { to: '/people', label: 'shell.nav.contact_methods', short: 'shell.nav.contact_methods_short', icon: '☎' },
  { to: '/settings', label: 'shell.nav.settings', icon: '⚙' },
];

function current(path: string, to: string): boolean {
  if (to === '/') return path === '/' || path === '/volunteering';
  if (to === '/schedules') return path.startsWith('/schedules') || path.startsWith('/escalation_policies');
  if (to === '/people') return path.startsWith('/people') || path.startsWith('/users');
  if (to === '/services') return path.startsWith('/services') || path.startsWith('/event_orchestrations') || path.startsWith('/maintenance');
  return path === to || path.startsWith(to + '/');
}

export function Shell({ session, onSignedOut, children }: { session: Session; onSignedOut: () => void; children: ReactNode }) {
  const { path } = useLocation();
  const live = useLiveState();
  const volunteer = session.user.role === 'volunteer';
  // Before the pages' effects run (children's effects run first), so no page opens a stream a volunteer may not use.
  setLiveEnabled(!volunteer);
  useEffect(() => {
    if (!volunteer) connectLive(); // volunteers have no organization-wide stream (it answers them 403)
  }, [volunteer]);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // Move focus to the page heading after client-side navigation, as a full page load would.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h = main.current?.querySelector<HTMLElement>('h1');
    h?.focus({ preventScroll: true });
  }, [path]);

  return (
    <div className="shell">
      <a className="skip" href="#main">{msg('shell.skip_to_content')}</a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label={msg('shell.vigil_home')}>
          <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="#0b3d6e" />
            <path d="M8 9l8 15 8-15" fill="none" stroke="#ffd24d" strokeWidth="4" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span>{msg('shell.vigil')}</span>
        </Link>
        <span className="org" title={session.organization.name}>
          {session.organization.name}
        </span>
        {session.user.role !== 'volunteer' && (
          <span className={`live live-${live}`} role="status" aria-live="polite">
            <span aria-hidden="true">●</span> {live === 'live' ? msg('shell.live') : live === 'offline' ? msg('shell.reconnecting') : msg('shell.connecting')}
          </span>
        )}
        <span className="who">{session.user.name}</span>
        <button type="button" className="btn btn-quiet" onClick={() => void signOut().finally(onSignedOut)}>{msg('shell.sign_out')}</button>
      </header>
      <nav className="nav" aria-label={msg('shell.main')}>
        <ul>
          {(session.user.role === 'volunteer' ? VOLUNTEER_NAV : NAV).map((n) => (
            <li key={n.to}>
              <Link to={n.to} aria-current={current(path, n.to) ? 'page' : undefined}>
                <span className="nav-icon" aria-hidden="true">
                  {n.icon}
                </span>
                {n.short ? (
                  <>
                    <span className="nav-long">{msg(n.label)}</span>
                    <span className="nav-short" aria-hidden="true">
                      {msg(n.short)}
                    </span>
                  </>
                ) : (
                  <span>{msg(n.label)}</span>
                )}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main}>
        {children}
      </main>
    </div>
  );
}
