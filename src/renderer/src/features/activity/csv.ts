import type { ActivityItem } from '../../../../shared/activity';

/** The Activity list as CSV (RFC 4180): one row per item, the numbers as the node gave them. */

export const CSV_COLUMNS = [
  'id',
  'kind',
  'direction',
  'peer',
  'resources',
  'state',
  'progress',
  'startedAt',
  'endedAt',
  'result',
  'earnedPaid',
  'earnedPending',
] as const;

/** A field quoted when it holds a comma, a quote or a line break; quotes inside are doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function resourcesText(item: ActivityItem): string {
  return item.resources.map((r) => `${r.kind} ${r.amount} ${r.unit}`).join('; ');
}

function resultText(item: ActivityItem): string {
  if (item.result === null) return '';
  return item.result.ok ? 'ok' : item.result.code;
}

export function toCsv(items: readonly ActivityItem[]): string {
  const rows = items.map((i) => [
    i.id,
    i.kind,
    i.direction,
    i.peer ?? '',
    resourcesText(i),
    i.state,
    i.progress === null ? '' : String(i.progress),
    i.startedAt,
    i.endedAt ?? '',
    resultText(i),
    i.earnings.paid,
    i.earnings.pending,
  ]);
  return [[...CSV_COLUMNS], ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Offers the CSV as a file download (a Blob link, clicked once, then released). */
export function downloadCsv(items: readonly ActivityItem[], fileName: string): void {
  const url = URL.createObjectURL(new Blob([toCsv(items)], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
