import { describe, expect, it } from 'vitest';
import type { NodeApi } from '../../../shared/api/contract';
import { ErrorCode, RemoteError } from '../../../shared/errors';
import { makeKit, type ConnectionFields } from './kit';

interface S extends ConnectionFields {
  readonly n: number | undefined;
  readonly why: string | undefined;
}

function kitFor() {
  let state: S = { connection: 'live', connectionError: undefined, n: undefined, why: undefined };
  const kit = makeKit<S>(
    {} as NodeApi,
    (partial) => (state = { ...state, ...partial }),
    () => state,
  );
  return { kit, state: () => state };
}

const refused = () => new RemoteError({ code: ErrorCode.Internal, message: 'database busy' });

describe('slice kit', () => {
  it('fetched: an answer is set; a refusal keeps the value and says why; no answer marks the node lost', async () => {
    const { kit, state } = kitFor();
    const fetchN = (call: () => Promise<number>) =>
      kit.fetched(
        call,
        (n) => kit.set({ n, why: undefined }),
        (failure) => kit.set({ why: failure.message }),
      );
    await fetchN(async () => 1);
    expect(state()).toMatchObject({ n: 1, why: undefined, connection: 'live' });
    await fetchN(() => Promise.reject(refused()));
    expect(state()).toMatchObject({ n: 1, why: 'database busy', connection: 'live' });
    await fetchN(() => Promise.reject(new Error('socket hang up')));
    expect(state()).toMatchObject({ n: 1, connection: 'offline', connectionError: 'socket hang up' });
    await fetchN(() => Promise.reject(new RemoteError({ code: ErrorCode.Unauthorized, message: 'bad token' })));
    expect(state()).toMatchObject({ connection: 'unauthorized', connectionError: 'bad token' });
  });

  it('loadInto: sets the field and clears its error; a refusal sets the error; a superseded reply is dropped', async () => {
    const { kit, state } = kitFor();
    const why = { key: 'why', as: 'message' } as const;
    await kit.loadInto(() => Promise.reject(refused()), 'n', why);
    expect(state()).toMatchObject({ n: undefined, why: 'database busy', connection: 'live' });
    await kit.loadInto(async () => 2, 'n', why);
    expect(state()).toMatchObject({ n: 2, why: undefined });
    await kit.loadInto(
      async () => 3,
      'n',
      why,
      () => false,
    );
    expect(state().n).toBe(2);
    await kit.loadInto(() => Promise.reject(new Error('socket hang up')), 'n');
    expect(state()).toMatchObject({ n: 2, connection: 'offline' });
  });

  it('act: resolves with the value after asking again, or with the failure (code and reason), never rejecting', async () => {
    const { kit } = kitFor();
    let after = 0;
    const ok = await kit.act(
      async () => 'done',
      async () => {
        after++;
      },
    );
    expect(ok).toEqual({ ok: true, value: 'done' });
    expect(after).toBe(1);
    const no = await kit.act(
      () => Promise.reject(refused()),
      async () => {
        after++;
      },
    );
    expect(no).toEqual({ ok: false, error: { code: ErrorCode.Internal, message: 'database busy', issues: [] } });
    expect(after).toBe(1);
  });
});
