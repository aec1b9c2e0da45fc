import { Link } from '../router';
import { msg } from '../../i18n';

/** The parts of a service's page: its integrations and settings, its event rules, and who gets paged. */
export function ServiceTabs({ id, current }: { id: string; current: 'overview' | 'rules' | 'paging' }) {
  return (
    <nav className="tabs" aria-label={msg('services.serviceTabs.service')}>
      <Link to={`/services/${encodeURIComponent(id)}`} aria-current={current === 'overview' ? 'page' : undefined}>{msg('services.serviceTabs.integrations_and_settings')}</Link>
      <Link to={`/services/${encodeURIComponent(id)}/rules`} aria-current={current === 'rules' ? 'page' : undefined}>{msg('services.serviceTabs.event_rules')}</Link>
      <Link to={`/services/${encodeURIComponent(id)}/paging`} aria-current={current === 'paging' ? 'page' : undefined}>{msg('services.serviceTabs.who_gets_paged')}</Link>
    </nav>
  );
}
