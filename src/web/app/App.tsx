import { lazy, Suspense, useEffect, useState, type ComponentType, type ReactNode } from 'react';
import { onUnauthenticated } from '../data/client';
import { disconnectLive } from '../data/live';
import { me } from '../data/people';
import { currentSession, signOut } from '../data/session';
import type { Session } from '../data/types';
import { AccountLink, ForgotPassword, SignIn } from './auth/SignIn';
import { Dashboard } from './dashboard/Dashboard';
import { IncidentDetail } from './incidents/IncidentDetail';
import { IncidentList } from './incidents/IncidentList';
import { match, navigate, useLocation } from './router';
import { ServiceList } from './services/ServiceList';
import { TwoFactorCard } from './settings/TwoFactor';
import { Shell } from './Shell';
import { Loading, ScreenBoundary, ScreenLoading } from './ui';
import { langOf, language, msg, rememberLanguage, setLanguage, useLanguage } from '../i18n';

// What a responder opens first (sign-in, the dashboard, the incidents and the services list) is in the
// entry file. Every other screen is its own file, fetched when first opened, so the first load (a
// phone, at night, on a weak connection) stays small: docs/benchmarks.md measures it.
const onDemand = <P extends object>(load: () => Promise<ComponentType<P>>) => lazy(() => load().then((c) => ({ default: c })));
const rulesPages = () => import('./rules/pages');
const ServiceRules = onDemand(() => rulesPages().then((m) => m.ServiceRules));
const Orchestrations = onDemand(() => rulesPages().then((m) => m.Orchestrations));
const OrchestrationDetail = onDemand(() => rulesPages().then((m) => m.OrchestrationDetail));
const Analytics = onDemand(() => import('./analytics/Analytics').then((m) => m.Analytics));
const ImpactReport = onDemand(() => import('./analytics/ImpactReport').then((m) => m.ImpactReport));
const Maintenance = onDemand(() => import('./maintenance/Maintenance').then((m) => m.Maintenance));
const People = onDemand(() => import('./people/People').then((m) => m.People));
const schedulePages = () => import('./schedules/Schedules');
const Schedules = onDemand(() => schedulePages().then((m) => m.Schedules));
const Policies = onDemand(() => schedulePages().then((m) => m.Policies));
const ServiceDetail = onDemand(() => import('./services/ServiceDetail').then((m) => m.ServiceDetail));
const ServicePaging = onDemand(() => import('./services/ServicePaging').then((m) => m.ServicePaging));
const Settings = onDemand(() => import('./settings/Settings').then((m) => m.Settings));
const PublicStatusPage = onDemand(() => import('./status/PublicStatusPage').then((m) => m.PublicStatusPage));
const Coordinator = onDemand(() => import('./volunteers/Coordinator').then((m) => m.Coordinator));
const MyVolunteering = onDemand(() => import('./volunteers/MyVolunteering').then((m) => m.MyVolunteering));
/** While a screen's file arrives: an announced "Loading this screen…" in the page's place (the shell stays); if it cannot, a reload button. */
const onScreen = (page: ReactNode) => (
  <ScreenBoundary path={location.pathname}>
    <Suspense fallback={<ScreenLoading />}>{page}</Suspense>
  </ScreenBoundary>
);

export function App() {
  const { path } = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useLanguage(); // a change of language renders every screen again

  // Signed in: the person's own language (their user's `locale`) and time zone for dates.
  const userId = session?.user.id;
  useEffect(() => {
    if (!session) return;
    const zone = session.user.time_zone ?? undefined;
    void setLanguage(language(), zone);
    let gone = false;
    me().then(
      (u) => {
        const l = langOf(u.locale);
        if (gone || !l) return;
        rememberLanguage(l);
        void setLanguage(l, zone);
      },
      () => {},
    );
    return () => void (gone = true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [userId]);

  const publicPage = path.startsWith('/status/') || path === '/welcome' || path === '/reset' || path === '/login' || path === '/forgot';

  useEffect(() => {
    if (path.startsWith('/status/')) return;
    currentSession().then(setSession, () => setSession(null));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(
    () =>
      onUnauthenticated(() => {
        disconnectLive();
        setSession(null);
      }),
    [],
  );

  const status = match('/status/:slug', path);
  if (status) return onScreen(<PublicStatusPage slug={status.slug!} />);
  if (path === '/welcome' || path === '/reset') return <AccountLink kind={path === '/welcome' ? 'invite' : 'reset'} onSignedIn={(s) => (setSession(s), navigate('/', { replace: true }))} />;
  if (path === '/forgot') return <ForgotPassword />;

  if (session === undefined) return <Loading what={msg('app.vigil')} />;
  if (session === null || path === '/login') {
    return (
      <SignIn
        onSignedIn={(s) => {
          setSession(s);
          const next = new URLSearchParams(location.search).get('next');
          navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : path === '/login' ? '/' : path + location.search, { replace: true });
        }}
      />
    );
  }
  void publicPage;
  // The organization requires two-factor authentication of this role: the session reaches enrolment only.
  if (session.two_factor_enrolment_required) {
    return (
      <main className="auth" id="main">
        <div className="auth-card">
          <h1>{msg('app.set_up_two_factor_authentication')}</h1>
          <TwoFactorCard onEnrolled={() => void currentSession().then(setSession, () => setSession(null))} />
          <p className="auth-links">
            <button type="button" className="btn btn-quiet btn-small" onClick={() => void signOut().finally(() => (disconnectLive(), setSession(null), navigate('/login', { replace: true })))}>{msg('app.sign_out')}</button>
          </p>
        </div>
      </main>
    );
  }
  return (
    <Shell session={session} onSignedOut={() => (disconnectLive(), setSession(null), navigate('/login', { replace: true }))}>
      {onScreen(<Page path={path} session={session} />)}
    </Shell>
  );
}

function Page({ path, session }: { path: string; session: Session }): ReactNode {
  let m: Record<string, string> | null;
  // A volunteer sees their own page and what is open to volunteers (docs/volunteers.md); the organization-wide lists answer them 403.
  if (session.user.role === 'volunteer') {
    if (path === '/' || path === '' || path === '/volunteering') return <MyVolunteering session={session} />;
    if ((m = match('/incidents/:id', path))) return <IncidentDetail id={m.id!} session={session} />;
    if (path === '/settings' || path.startsWith('/settings/')) return <Settings session={session} />;
    if (path === '/people' || path === `/users/${session.user.id}`) return <People session={session} />;
    return (
      <section>
        <h1>{msg('app.not_open_to_volunteers')}</h1>
        <p>{msg('app.volunteers_see_their_own_page_and')}{' '}<a href="/">{msg('app.back_to_my_volunteering')}</a>
        </p>
      </section>
    );
  }
  if (path === '/' || path === '') return <Dashboard session={session} />;
  if (path === '/volunteering') return <MyVolunteering session={session} />;
  if (path === '/volunteers') return <Coordinator session={session} />;
  if (path === '/incidents') return <IncidentList session={session} />;
  if (path === '/analytics') return <Analytics session={session} />;
  if (path === '/analytics/report') return <ImpactReport session={session} />;
  if ((m = match('/incidents/:id', path))) return <IncidentDetail id={m.id!} session={session} />;
  if (path === '/services') return <ServiceList session={session} />;
  if ((m = match('/services/:id', path))) return <ServiceDetail id={m.id!} session={session} />;
  if ((m = match('/services/:id/paging', path))) return <ServicePaging id={m.id!} />;
  if ((m = match('/services/:id/rules', path))) return <ServiceRules id={m.id!} session={session} />;
  if (path === '/event_orchestrations') return <Orchestrations session={session} />;
  if ((m = match('/event_orchestrations/:id', path))) return <OrchestrationDetail id={m.id!} session={session} />;
  if (path === '/maintenance' || match('/maintenance/:id', path)) return <Maintenance session={session} focusId={match('/maintenance/:id', path)?.id} />;
  if (path === '/schedules' || match('/schedules/:id', path)) return <Schedules session={session} />;
  if (path === '/escalation_policies' || match('/escalation_policies/:id', path)) return <Policies session={session} />;
  if (path === '/people' || match('/users/:id', path)) return <People session={session} focusUserId={match('/users/:id', path)?.id} />;
  if (path === '/settings' || path.startsWith('/settings/')) return <Settings session={session} />;
  return (
    <section>
      <h1>{msg('app.page_not_found')}</h1>
      <p>{msg('app.there_is_no_page_at')}{' '}<code>{path}</code>.
      </p>
    </section>
  );
}
