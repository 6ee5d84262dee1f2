import type { ReactNode } from 'react';

/**
 * A table of rows with a header of column names: the caption is for screen readers (the section's heading shows),
 * or the table is labelled by a heading's id instead.
 */
export function DataTable(props: {
  columns: readonly ReactNode[];
  /** The indexes of the columns that hold numbers (right-aligned). */
  numeric?: readonly number[];
  children: ReactNode;
  testId?: string;
  caption?: string;
  labelledBy?: string;
  className?: string;
}) {
  return (
    <table className={props.className ?? 'log-table'} aria-labelledby={props.labelledBy} data-testid={props.testId}>
      {props.caption !== undefined && <caption className="visually-hidden">{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((c, i) => (
            <th key={i} scope="col" className={props.numeric?.includes(i) ? 'num' : undefined}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/** A DataTable of `rows`, each drawn by `row` (a `<tr>` with its key); `empty` shows instead when there are none. */
export function RowsTable<R>(
  props: Omit<Parameters<typeof DataTable>[0], 'children'> & {
    rows: readonly R[];
    row: (row: R) => ReactNode;
    empty: ReactNode;
  },
) {
  const { rows, row, empty, ...table } = props;
  if (rows.length === 0) return empty;
  return <DataTable {...table}>{rows.map(row)}</DataTable>;
}
