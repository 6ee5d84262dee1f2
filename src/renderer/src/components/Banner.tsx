import type { ReactNode } from 'react';

export function Banner(props: { severity: 'info' | 'warning' | 'error'; children: ReactNode }) {
  return (
    <div className={`banner banner-${props.severity}`} role={props.severity === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

export function EmptyState(props: { title: string; children: ReactNode }) {
  return (
    <section className="empty-state" aria-label={props.title}>
      <h2>{props.title}</h2>
      <div>{props.children}</div>
    </section>
  );
}
