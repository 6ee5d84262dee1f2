import { describe, expect, it } from 'vitest';
import { ErrorCode, HyperMeshError, ValidationError } from '../errors';
import { NODE_API_METHODS } from './contract';
import { validateCall } from './validators';
import { issuesOf } from '../testing';

describe('validateCall', () => {
  it('refuses unknown methods and inherited names', () => {
    for (const method of ['deleteEverything', 'toString', '__proto__', 42, undefined]) {
      expect(() => validateCall(method, [])).toThrow(HyperMeshError);
      try {
        validateCall(method, []);
      } catch (err) {
        expect((err as HyperMeshError).code).toBe(ErrorCode.UnknownMethod);
      }
    }
  });

  it('requires args to be a list of the right length', () => {
    expect(() => validateCall('getStatus', {})).toThrow('args must be a list, got an object');
    expect(() => validateCall('getStatus', [1])).toThrow('expected no arguments, got 1');
    expect(() => validateCall('updateSettings', [])).toThrow('expected 1 argument, got 0');
  });

  it('takes no arguments for the capacity benchmark, and checks the welcome guide’s setting', () => {
    for (const method of ['startBenchmark', 'cancelBenchmark', 'getBenchmark']) {
      expect(validateCall(method, []).args).toEqual([]);
      expect(() => validateCall(method, [{ stepMs: 1 }])).toThrow('expected no arguments, got 1');
    }
    const done = { app: { onboardingCompletedAt: '2026-12-07T12:00:00.000Z' } };
    expect(validateCall('updateSettings', [done]).args).toEqual([done]);
    expect(() => validateCall('updateSettings', [{ app: { onboardingCompletedAt: 1 } }])).toThrow(
      /app\.onboardingCompletedAt must be an ISO time/,
    );
  });

  it('validates settings patches and log queries', () => {
    expect(() => validateCall('updateSettings', [{ allocation: { cpu: 120 } }])).toThrow(ValidationError);
    expect(validateCall('getLogs', [{ text: 'api', limit: 10 }]).args).toEqual([{ text: 'api', limit: 10 }]);
    expect(() => validateCall('getLogs', [{ limit: 0 }])).toThrow('query.limit must be an integer 1–5000, got 0');
    expect(() => validateCall('getLogs', [{ minLevel: 'loud' }])).toThrow('query.minLevel must be one of');
    expect(() => validateCall('getLogs', [{ grep: 'x' }])).toThrow('query.grep is not a known setting');
  });

  it('checks each query field given, every problem at once, and refuses unknown ones', () => {
    const queryIssues = (method: string, query: unknown) => issuesOf(() => validateCall(method, [query]));
    expect(validateCall('searchAssets', [{ kind: 'gpu', maxPricePerHour: '0.5' }]).args).toEqual([
      { kind: 'gpu', maxPricePerHour: '0.5' },
    ]);
    expect(queryIssues('searchAssets', { kind: 'disk', maxPricePerHour: 0.5, requireAllProofs: 'yes', x: 1 })).toEqual([
      expect.stringContaining('query.x is not a known setting (known: kind, minCapacity, maxPricePerHour,'),
      expect.stringContaining('query.kind must be one of cpu, gpu'),
      'query.maxPricePerHour must be a decimal string such as "0.5", got 0.5',
      'query.requireAllProofs must be true or false, got "yes"',
    ]);
    expect(queryIssues('getWalletHistory', { status: 'lost', limit: 0 })).toEqual([
      'query.status must be one of pending, confirmed, rejected, got "lost"',
      'query.limit must be an integer 1–1000, got 0',
    ]);
    expect(queryIssues('getJobs', { role: 'both' })).toEqual([
      'query.role must be one of consumer, provider, got "both"',
    ]);
    expect(queryIssues('getLogs', { text: 'x'.repeat(201) })[0]).toMatch(/^query\.text must be text of at most 200/);
    expect(validateCall('getJobs', [{}]).args).toEqual([{}]);
  });

  it('validates TrustChain and peer arguments', () => {
    expect(validateCall('resolveName', ['caesar']).args).toEqual(['caesar']);
    expect(() => validateCall('resolveName', ['Caesar!'])).toThrow(/name must be 1–63 lowercase letters/);
    expect(() => validateCall('registerName', ['-x'])).toThrow(/name must be/);
    expect(validateCall('revokeCertificate', ['0A1b', 'lost']).args).toEqual(['0A1b', 'lost']);
    expect(() => validateCall('revokeCertificate', ['zz', 'lost'])).toThrow(/serial must be hexadecimal/);
    expect(() => validateCall('revokeCertificate', ['0a', 'x'.repeat(201)])).toThrow(/reason must be text/);
    expect(validateCall('connectPeer', ['[::1]:9292']).args).toEqual(['[::1]:9292']);
    expect(validateCall('connectPeer', ['node.example.org:9292']).args).toEqual(['node.example.org:9292']);
    for (const bad of ['::1:9292', '[::1]', 'host:0', 'host:70000', '[1.2.3.4]:1', 42]) {
      expect(() => validateCall('connectPeer', [bad]), String(bad)).toThrow(/address must be HOST:PORT/);
    }
    expect(() => validateCall('updateSettings', [{ trust: { caAddress: 'no port' } }])).toThrow(
      /trust.caAddress must be/,
    );
    expect(() => validateCall('updateSettings', [{ trust: { caRootSha256: 'ABC' } }])).toThrow(/64 lowercase hex/);
    expect(validateCall('updateSettings', [{ trust: { caAddress: '', caRootSha256: null } }]).args).toHaveLength(1);
  });

  it('validates Catalog VM jobs: every field, with every problem named', () => {
    const code = 'cHJpbnQoMSk='; // print(1)
    const ok = { kind: 'js', code, input: { data: 'aGk=' }, args: ['a'], redundancy: 3, limits: { cpuSeconds: 5 } };
    expect(validateCall('runJob', [ok]).args).toEqual([ok]);
    const proxyInput = {
      kind: 'wasm',
      code,
      input: { proxy: { address: 'fd48:4d00:1:2:3:4:5:6', offset: 0, length: 4 } },
    };
    expect(validateCall('runJob', [proxyInput]).args).toEqual([proxyInput]);
    const cases: [unknown, RegExp][] = [
      [{ ...ok, kind: 'python' }, /request.kind must be one of/],
      [{ ...ok, code: '' }, /request.code must not be empty/],
      [{ ...ok, code: 'not base64!' }, /request.code must be base64/],
      [{ ...ok, redundancy: 6 }, /request.redundancy must be an integer 1–5/],
      [{ ...ok, limits: { cpuSeconds: 0 } }, /request.limits.cpuSeconds must be an integer 1–3600/],
      [{ ...ok, limits: { memoryMiB: 5000 } }, /request.limits.memoryMiB must be an integer 1–4096/],
      [{ ...ok, limits: { outputKiB: 769 } }, /request.limits.outputKiB must be an integer 1–768/],
      [{ ...ok, limits: { gpus: 1 } }, /request.limits.gpus is not a known setting/],
      [{ ...ok, args: ['x'.repeat(1025)] }, /each argument must be a string of at most 1024/],
      [{ ...ok, args: 'a b' }, /request.args must be a list/],
      [{ ...ok, input: { file: '/etc/passwd' } }, /request.input must be \{ data \} or \{ proxy \}/],
      [{ ...ok, input: { proxy: { address: '::1', offset: 0, length: 1 } } }, /must be a proxy address/],
      [{ ...ok, providers: ['someone'] }, /request.providers must be 1–16 NodeIds/],
      [{ ...ok, shell: true }, /request.shell is not a known setting/],
    ];
    for (const [request, message] of cases) {
      expect(() => validateCall('runJob', [request]), JSON.stringify(request).slice(0, 80)).toThrow(message);
    }
    // Every problem at once, not just the first.
    expect(() => validateCall('runJob', [{ kind: 'x', code: '', redundancy: 0 }])).toThrow(
      /kind.*; .*code.*; .*redundancy/,
    );
    expect(validateCall('getJobs', [{ role: 'provider', limit: 5 }]).args).toEqual([{ role: 'provider', limit: 5 }]);
    expect(() => validateCall('getJobs', [{ role: 'boss' }])).toThrow(/query.role must be one of/);
  });

  it('has a validator for every method in the contract', () => {
    for (const method of NODE_API_METHODS) {
      expect(() => validateCall(method, ['x', 'y', 'z'])).toThrow(/expected|must be/);
    }
  });
});
