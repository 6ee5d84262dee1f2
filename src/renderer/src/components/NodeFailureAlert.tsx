import type { NodeFailure } from '../state/kit';

/**
 * An error from the node: what it means (`title`, from the page's reading of the code), its message, its code (for
 * support and scripts) and any validation issues. `data` adds data-* attributes tests find it by.
 */
export function NodeFailureAlert(props: {
  failure: NodeFailure;
  title: string;
  testId: string;
  prefix?: string | undefined;
  data?: Readonly<Record<string, string>>;
}) {
  const { failure } = props;
  const data = Object.fromEntries(Object.entries(props.data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <div
      role="alert"
      className="field-error problem"
      data-testid={props.testId}
      data-code={failure.code ?? ''}
      {...data}
    >
      <p>
        <strong>
          {props.prefix}
          {props.title}
        </strong>{' '}
        {failure.message} {failure.code && <code>{failure.code}</code>}
      </p>
      {failure.issues.length > 0 && (
        <ul>
          {failure.issues.map((issue) => (
            <li key={issue.path}>{issue.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
