import { Link } from '../router';

/** The parts of a service's page: its integrations and settings, and its event rules. */
export function ServiceTabs({ id, current }: { id: string; current: 'overview' | 'rules' }) {
  return (
    <nav className="tabs" aria-label="Service">
      <Link to={`/services/${encodeURIComponent(id)}`} aria-current={current === 'overview' ? 'page' : undefined}>
        Integrations and settings
      </Link>
      <Link to={`/services/${encodeURIComponent(id)}/rules`} aria-current={current === 'rules' ? 'page' : undefined}>
        Event rules
      </Link>
    </nav>
  );
}
