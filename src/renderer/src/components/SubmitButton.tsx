import type { ReactNode } from 'react';

/**
 * A form's action button: disabled and marked busy while its action runs, with the busy label then. It is 'primary'
 * unless className says otherwise ('' for a plain button).
 */
export function SubmitButton(props: {
  pending: boolean;
  busyLabel: ReactNode;
  children: ReactNode;
  testId?: string;
  className?: string;
  type?: 'submit' | 'button';
  disabled?: boolean;
  /** The id of what says more about the action (a hint, a question). */
  describedBy?: string;
  onClick?: () => void;
}) {
  return (
    <button
      type={props.type ?? 'submit'}
      className={(props.className ?? 'primary') || undefined}
      data-testid={props.testId}
      disabled={props.pending || props.disabled === true}
      aria-busy={props.pending}
      aria-describedby={props.describedBy}
      onClick={props.onClick}
    >
      {props.pending ? props.busyLabel : props.children}
    </button>
  );
}
