import { describe, expect, it } from 'vitest';
import { parseNodeProcessArgs } from './node-process';

describe('parseNodeProcessArgs', () => {
  it('reads the data folder and the STOQ address (IPv6 in brackets)', () => {
    expect(parseNodeProcessArgs(['--data-dir', '/d'])).toEqual({ dataDir: '/d' });
    expect(parseNodeProcessArgs(['--data-dir', '/d', '--listen', '[::]:9292'])).toEqual({
      dataDir: '/d',
      listen: { host: '::', port: 9292 },
    });
    expect(parseNodeProcessArgs(['--listen', '127.0.0.1:0', '--data-dir', '/d']).listen).toEqual({
      host: '127.0.0.1',
      port: 0,
    });
  });

  it('refuses anything else', () => {
    expect(() => parseNodeProcessArgs([])).toThrow(/--data-dir is required/);
    expect(() => parseNodeProcessArgs(['--data-dir'])).toThrow(/needs a value/);
    expect(() => parseNodeProcessArgs(['--data-dir', '/d', '--listen', 'nowhere'])).toThrow(/HOST:PORT/);
    expect(() => parseNodeProcessArgs(['--data-dir', '/d', '--listen', '[::]:70000'])).toThrow(/HOST:PORT/);
    expect(() => parseNodeProcessArgs(['--data-dir', '/d', '--inspect', '9229'])).toThrow(/unknown flag/);
  });
});
