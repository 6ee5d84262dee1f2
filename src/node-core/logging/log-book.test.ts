import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../testing/temp-dir';
import { LogBook, redactSecrets } from './log-book';

const tempDir = useTempDirs();
const TOKEN = '0unGXd9zejfp-rD_Cuv5UfXz4Zdf-T2zKhLrj-4mUnY';

describe('the API token never reaches a log (issue #22, 6)', () => {
  it('scrubs it from the file, the memory and the entries listeners get', () => {
    const file = join(tempDir(), 'logs', 'node.log');
    const book = new LogBook({ file });
    const heard: string[] = [];
    book.subscribe((e) => heard.push(e.message));
    const log = book.logger('node');
    log.info(`HyperMesh node ready: http://127.0.0.1:41185/#token=${TOKEN}`);
    log.error(`HTTP GET /api/events?token=${TOKEN}&x=1 failed: boom`);
    log.warn(`request headers: authorization: Bearer ${TOKEN}`);
    log.warn(`runtime {"url":"http://[::1]:1/","token":"${TOKEN}"}`);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text.match(/\[redacted\]/g)).toHaveLength(4);
    expect(text).toContain('http://127.0.0.1:41185/#token=[redacted]');
    for (const m of [...heard, ...book.query().map((e) => e.message)]) expect(m).not.toContain(TOKEN);
  });

  it('leaves other text alone', () => {
    expect(redactSecrets('tokens: 3 left; token bucket full')).toBe('tokens: 3 left; token bucket full');
  });
});
