import { describe, expect, it } from 'vitest';
import { missingBindingCalls, quiche } from './quiche';

describe('quiche binding check', () => {
  it('finds every call STOQ makes on the binding loaded here', () => {
    expect(missingBindingCalls()).toEqual([]);
  });

  it('names the calls a binding lacks, so the endpoint refuses at start', () => {
    const { retry: _retry, ...rest } = quiche as unknown as Record<string, unknown>;
    const connection = quiche.Connection as unknown as { prototype: object };
    const lacking = {
      ...rest,
      Connection: Object.assign(() => undefined, {
        accept: () => undefined,
        connect: () => undefined,
        prototype: {
          ...Object.fromEntries(Object.getOwnPropertyNames(connection.prototype).map((n) => [n, () => 0])),
          streamSend: undefined,
        },
      }),
    };
    expect(missingBindingCalls(lacking)).toEqual(['quiche.retry', 'quiche.Connection.prototype.streamSend']);
    expect(missingBindingCalls({})).toContain('quiche.Shutdown.Read');
  });
});
