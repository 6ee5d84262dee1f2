import type { InputHTMLAttributes, ReactNode, Ref, TextareaHTMLAttributes } from 'react';

/** The ids an input is described by, in order; undefined when there are none (no empty attribute). */
export const describedBy = (...parts: (string | false | undefined)[]): string | undefined =>
  parts.filter(Boolean).join(' ') || undefined;

/** What the input inside a Field spreads: whether it is invalid, and its hint and error ids. */
export interface FieldAria {
  readonly 'aria-invalid': boolean;
  readonly 'aria-describedby': string | undefined;
}

/** The aria wiring of an input with id `id`: `${id}-hint` when it has a hint, `${id}-error` while it has an error. */
export function fieldAria(id: string, hasHint: boolean, error: string | null | undefined): FieldAria {
  const invalid = error !== null && error !== undefined;
  return {
    'aria-invalid': invalid,
    'aria-describedby': describedBy(hasHint && `${id}-hint`, invalid && `${id}-error`),
  };
}

/** A field's hint and error, under its input, with the ids fieldAria points at. */
export function FieldNotes(props: { id: string; hint?: ReactNode; error: string | null | undefined }) {
  const { id, hint, error } = props;
  return (
    <>
      {hint !== undefined && (
        <span id={`${id}-hint`} className="note">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error" data-testid={`${id}-error`}>
          {error}
        </span>
      )}
    </>
  );
}

/**
 * A labelled form field: the label, the input (`children` gets the aria props to spread on it), its hint and its
 * error. One place for the describedBy wiring every form uses.
 */
export function Field(props: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error: string | null | undefined;
  className?: string;
  children: (aria: FieldAria) => ReactNode;
}) {
  const { id, hint, error } = props;
  return (
    <div className={props.className ?? 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(fieldAria(id, hint !== undefined, error))}
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

export interface TextFieldProps {
  id: string;
  label: ReactNode;
  value: string;
  hint?: ReactNode;
  error: string | null | undefined;
  className?: string;
  inputRef?: Ref<HTMLInputElement>;
  testId?: string;
  input?: Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'>;
  onChange: (value: string) => void;
}

/** A one-line text field; `input` adds the input's own attributes (inputMode, spellCheck, a class). */
export function TextField(props: TextFieldProps) {
  return (
    <Field
      id={props.id}
      label={props.label}
      hint={props.hint}
      error={props.error}
      {...(props.className === undefined ? {} : { className: props.className })}
    >
      {(aria) => (
        <input
          id={props.id}
          ref={props.inputRef}
          data-testid={props.testId}
          autoComplete="off"
          {...props.input}
          value={props.value}
          {...aria}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** A whole-number field between `limits.min` and `limits.max`, as the job, memory and marketplace forms ask them. */
export function NumberField(
  props: Omit<TextFieldProps, 'input'> & { limits: { readonly min: number; readonly max: number } },
) {
  const { limits, ...field } = props;
  return <TextField {...field} input={{ type: 'number', min: limits.min, max: limits.max, step: 1 }} />;
}

/** A filter: "Any" (the empty value) or one of `options`, each shown with its text. */
export function AnyOfField<V extends string>(props: {
  id: string;
  label: ReactNode;
  value: V | '';
  options: readonly V[];
  text: (value: V) => ReactNode;
  testId?: string;
  onChange: (value: V | '') => void;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select
        id={props.id}
        data-testid={props.testId}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value as V | '')}
      >
        <option value="">Any</option>
        <Options values={props.options} text={props.text} />
      </select>
    </div>
  );
}

/** A select's options: each value, shown with its text. */
export function Options<V extends string>(props: { values: readonly V[]; text: (value: V) => ReactNode }) {
  return props.values.map((v) => (
    <option key={v} value={v}>
      {props.text(v)}
    </option>
  ));
}

/** A select inside its label, the label's text first: one of `options`, each shown with its text. */
export function LabelledSelect<V extends string>(props: {
  label: ReactNode;
  value: V;
  options: readonly V[];
  text: (value: V) => ReactNode;
  testId?: string;
  onChange: (value: V) => void;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value as V)}>
        <Options values={props.options} text={props.text} />
      </select>
    </label>
  );
}

/** One filter of a filter form: "Any" or one of its options, each shown with its text (or as it is, without one). */
export interface AnyOfFilter<K extends string> {
  readonly key: K;
  readonly label: string;
  readonly options: readonly string[];
  readonly text: Readonly<Record<string, string>>;
}

/** A filter form's selects, one a filter of the table; `values` holds each one's choice ('' or absent for Any). */
export function AnyOfFields<K extends string>(props: {
  idPrefix: string;
  filters: readonly AnyOfFilter<K>[];
  values: Readonly<Partial<Record<K, string>>>;
  onChange: (change: Partial<Record<K, string>>) => void;
}) {
  return props.filters.map((f) => (
    <AnyOfField<string>
      key={f.key}
      id={`${props.idPrefix}-${f.key}`}
      label={f.label}
      value={props.values[f.key] ?? ''}
      options={f.options}
      text={(v) => f.text[v] ?? v}
      onChange={(value) => props.onChange({ [f.key]: value } as Partial<Record<K, string>>)}
    />
  ));
}

/** A text area for code or node ids: monospace, without the spelling and autocomplete help that would alter them. */
export function CodeArea(props: TextareaHTMLAttributes<HTMLTextAreaElement> & { ref?: Ref<HTMLTextAreaElement> }) {
  return <textarea className="code" spellCheck={false} autoComplete="off" {...props} />;
}
