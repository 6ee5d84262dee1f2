import type { ReactNode } from 'react';

/** A form's main button: disabled and marked busy while its action runs, with the busy label then. */
export function SubmitButton(props: {
  pending: boolean;
  busyLabel: ReactNode;
  children: ReactNode;
  testId?: string;
  className?: string;
  type?: 'submit' | 'button';
  disabled?: boolean;
  onClick?: () => void;
}) {
  return (
    <button
      type={props.type ?? 'submit'}
      className={props.className ?? 'primary'}
      data-testid={props.testId}
      disabled={props.pending || props.disabled === true}
      aria-busy={props.pending}
      onClick={props.onClick}
    >
      {props.pending ? props.busyLabel : props.children}
    </button>
  );
}
