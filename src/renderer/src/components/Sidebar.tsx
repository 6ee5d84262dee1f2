import { NAV_GROUPS, pagesIn, type PageId } from '../routes';

/** The page list: the everyday pages, then the advanced ones, each a labelled list of ordinary links (Tab reaches all). */
export function Sidebar(props: { readonly page: PageId }) {
  return (
    <nav className="sidebar" aria-label="Pages">
      {NAV_GROUPS.map((group) => (
        <div key={group.id} className={`nav-group nav-${group.id}`} data-testid={`nav-${group.id}`}>
          <span className="nav-group-title" id={`nav-title-${group.id}`}>
            {group.title}
          </span>
          <ul aria-labelledby={`nav-title-${group.id}`}>
            {pagesIn(group.id).map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === props.page ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
