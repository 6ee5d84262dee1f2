import type { ReactNode } from 'react';

/** A fieldset of radio buttons, one per option (the arrow keys move between them); `label` says what each is. */
export function RadioGroup<T extends string>(props: {
  legend: string;
  name: string;
  options: readonly T[];
  value: T;
  onChange: (value: T) => void;
  testId: (value: T) => string;
  label: (value: T) => ReactNode;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.options.map((option) => (
        <label key={option} className="radio">
          <input
            type="radio"
            name={props.name}
            value={option}
            checked={props.value === option}
            data-testid={props.testId(option)}
            onChange={() => props.onChange(option)}
          />
          <span>{props.label(option)}</span>
        </label>
      ))}
    </fieldset>
  );
}
