import { describe, expect, it } from 'vitest';
import type { ActivityItem } from '../../../../shared/activity';
import { CSV_COLUMNS, csvField, toCsv } from './csv';

const item: ActivityItem = {
  id: 'job:0a1b',
  kind: 'job',
  direction: 'for-others',
  peer: 'abcd'.repeat(13),
  peerShort: 'hm-abcd-abcd',
  resources: [
    { kind: 'cpu', amount: 1, unit: 'slots' },
    { kind: 'memory', amount: 67108864, unit: 'bytes' },
  ],
  state: 'done',
  progress: null,
  startedAt: '2026-12-07T10:00:00.000Z',
  endedAt: '2026-12-07T10:00:02.000Z',
  result: { ok: true },
  leaseIds: ['l1', 'l2'],
  earnings: { paid: '0.00012', pending: '0' },
};

/** Splits CSV text into rows of fields, honouring quotes (a reader to check the writer against). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('toCsv', () => {
  it('writes a header and one row per item, the numbers as the node gave them', () => {
    const csv = toCsv([item]);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows[1]).toEqual([
      'job:0a1b',
      'job',
      'for-others',
      item.peer,
      'cpu 1 slots; memory 67108864 bytes',
      'done',
      '',
      item.startedAt,
      item.endedAt,
      'ok',
      '0.00012',
      '0',
    ]);
    expect(rows).toHaveLength(2);
  });

  it('quotes fields with commas, quotes and line breaks, and only those', () => {
    const written: Record<string, string> = {
      plain: 'plain',
      'a,b': '"a,b"',
      'say "hi"': '"say ""hi"""',
      'two\nlines': '"two\nlines"',
      'cr\rhere': '"cr\rhere"',
    };
    for (const [field, asWritten] of Object.entries(written)) expect(csvField(field)).toBe(asWritten);
    const odd: ActivityItem = { ...item, id: 'lease:x', result: { ok: false, code: 'a,"b"\nc' }, progress: 0.5 };
    const rows = parseCsv(toCsv([odd, item]));
    expect(rows[1]?.[9]).toBe('a,"b"\nc');
    expect(rows[1]?.[6]).toBe('0.5');
    expect(rows).toHaveLength(3);
  });

  it('is just the header for no items', () => {
    expect(toCsv([])).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });
});
