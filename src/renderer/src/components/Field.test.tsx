import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AnyOfField, NumberField, TextField, describedBy, fieldAria } from './Field';

describe('field wiring', () => {
  it('describes an input by its hint, and by its error only while there is one', () => {
    expect(fieldAria('f', true, null)).toEqual({ 'aria-invalid': false, 'aria-describedby': 'f-hint' });
    expect(fieldAria('f', true, 'bad')).toEqual({ 'aria-invalid': true, 'aria-describedby': 'f-hint f-error' });
    expect(fieldAria('f', false, undefined)).toEqual({ 'aria-invalid': false, 'aria-describedby': undefined });
    expect(describedBy(false, undefined)).toBeUndefined();
  });

  it('renders the label, the hint and the error with the ids the input points at', () => {
    const html = renderToStaticMarkup(
      <NumberField
        id="n"
        label="Count"
        limits={{ min: 1, max: 9 }}
        value="12"
        hint="1–9."
        error="At most 9."
        onChange={() => undefined}
      />,
    );
    expect(html).toContain('<label for="n">Count</label>');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="n-hint n-error"');
    expect(html).toContain('<span id="n-hint" class="note">1–9.</span>');
    expect(html).toContain('<span id="n-error" class="field-error" data-testid="n-error">At most 9.</span>');
  });

  it('a valid text field has no error element and is not invalid', () => {
    const html = renderToStaticMarkup(
      <TextField id="t" label="Name" value="x" error={null} testId="t-input" onChange={() => undefined} />,
    );
    expect(html).toContain('data-testid="t-input"');
    expect(html).toContain('aria-invalid="false"');
    expect(html).not.toContain('aria-describedby');
    expect(html).not.toContain('field-error');
  });

  it('a filter offers Any first, then each option with its text', () => {
    const html = renderToStaticMarkup(
      <AnyOfField
        id="k"
        label="Kind"
        value="b"
        options={['a', 'b'] as const}
        text={(v) => v.toUpperCase()}
        onChange={() => undefined}
      />,
    );
    expect(html).toMatch(/<option value="">Any<\/option><option value="a">A<\/option><option value="b" selected="">B/);
  });
});
