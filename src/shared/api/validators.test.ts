import { describe, expect, it } from 'vitest';
import { ErrorCode, HyperMeshError, ValidationError } from '../errors';
import { NODE_API_METHODS } from './contract';
import { validateCall } from './validators';

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

  it('validates settings patches and log queries', () => {
    expect(() => validateCall('updateSettings', [{ allocation: { cpu: 120 } }])).toThrow(ValidationError);
    expect(validateCall('getLogs', [{ text: 'api', limit: 10 }]).args).toEqual([{ text: 'api', limit: 10 }]);
    expect(() => validateCall('getLogs', [{ limit: 0 }])).toThrow('query.limit must be an integer 1–5000, got 0');
    expect(() => validateCall('getLogs', [{ minLevel: 'loud' }])).toThrow('query.minLevel must be one of');
    expect(() => validateCall('getLogs', [{ grep: 'x' }])).toThrow('query.grep is not a known setting');
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

  it('has a validator for every method in the contract', () => {
    for (const method of NODE_API_METHODS) {
      expect(() => validateCall(method, ['x', 'y', 'z'])).toThrow(/expected|must be/);
    }
  });
});
