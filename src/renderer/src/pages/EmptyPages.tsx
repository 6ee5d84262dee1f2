import { EmptyState } from '../components/Banner';

/** Pages of subsystems this version does not have yet: honest about it, never showing made-up data. */
const TEXT = {
  memory: {
    title: 'Memory proxy',
    body: 'No remote memory is mapped, and none of yours is lent out. The memory proxy comes in a later version.',
  },
} as const;

export function NotYetAvailablePage(props: { page: keyof typeof TEXT }) {
  const t = TEXT[props.page];
  return (
    <div className="page">
      <h1>{t.title}</h1>
      <EmptyState title={`No ${t.title.toLowerCase()} data`}>
        <p>{t.body}</p>
      </EmptyState>
    </div>
  );
}
