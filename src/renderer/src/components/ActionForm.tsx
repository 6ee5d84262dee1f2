import type { FormHTMLAttributes } from 'react';

/**
 * A form whose submit runs `onSubmit` instead of loading a page; the page checks the fields itself (noValidate), so
 * its own messages show rather than the browser's.
 */
export function ActionForm(props: Omit<FormHTMLAttributes<HTMLFormElement>, 'onSubmit'> & { onSubmit: () => unknown }) {
  const { onSubmit, ...rest } = props;
  return (
    <form
      noValidate
      {...rest}
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit();
      }}
    />
  );
}
