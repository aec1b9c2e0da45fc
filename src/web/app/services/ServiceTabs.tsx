import { Link } from '../router';

/** The parts of a service's page: its integrations and settings, its event rules, and who gets paged. */
export function ServiceTabs({ id, current }: { id: string; current: 'overview' | 'rules' | 'paging' }) {
  return (
    <nav className="tabs" aria-label="Service">
      <Link to={`/services/${encodeURIComponent(id)}`} aria-current={current === 'overview' ? 'page' : undefined}>
        Integrations and settings
      </Link>
      <Link to={`/services/${encodeURIComponent(id)}/rules`} aria-current={current === 'rules' ? 'page' : undefined}>
        Event rules
      </Link>
      <Link to={`/services/${encodeURIComponent(id)}/paging`} aria-current={current === 'paging' ? 'page' : undefined}>
        Who gets paged?
      </Link>
    </nav>
  );
}
