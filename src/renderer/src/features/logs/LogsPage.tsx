import { DataTable } from '../../components/DataTable';
import { useEffect, useMemo, useState } from 'react';
import type { LogLevel } from '../../../../shared/api/contract';
import { useApp } from '../../store';
import { LabelledSelect } from '../../components/Field';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function LogsPage() {
  const logs = useApp((s) => s.logs);
  const loadLogs = useApp((s) => s.loadLogs);
  const [text, setText] = useState('');
  const [minLevel, setMinLevel] = useState<LogLevel>('info');
  useEffect(() => {
    void loadLogs();
  }, [loadLogs]);
  const shown = useMemo(() => {
    const needle = text.toLowerCase();
    const min = LEVELS.indexOf(minLevel);
    return logs.filter(
      (l) =>
        LEVELS.indexOf(l.level) >= min &&
        (!needle || l.message.toLowerCase().includes(needle) || l.source.toLowerCase().includes(needle)),
    );
  }, [logs, text, minLevel]);

  const download = () => {
    const body = shown.map((l) => `${l.time} ${l.level.toUpperCase()} [${l.source}] ${l.message}`).join('\n');
    const url = URL.createObjectURL(new Blob([`${body}\n`], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `hypermesh-log-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div className="page logs">
      <h1>Logs</h1>
      <div className="toolbar">
        <label className="field">
          <span>Search</span>
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="text or source" />
        </label>
        <LabelledSelect
          label="Level"
          value={minLevel}
          options={LEVELS}
          text={(l) => `${l} and above`}
          onChange={setMinLevel}
        />
        <button type="button" onClick={download} disabled={shown.length === 0}>
          Download
        </button>
      </div>
      {shown.length === 0 ? (
        <p className="note">No log entries match.</p>
      ) : (
        <DataTable columns={['Time', 'Level', 'Source', 'Message']} testId="log-table">
          {shown.map((l) => (
            <tr key={l.seq} className={`log-${l.level}`}>
              <td className="mono">{l.time.replace('T', ' ').slice(0, 19)}</td>
              <td>{l.level}</td>
              <td>{l.source}</td>
              <td>{l.message}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
