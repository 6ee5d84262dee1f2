import { ValidationError, type ValidationIssue } from './errors';

/** Collects validation issues so that one pass reports every problem in a value. */
export class IssueList {
  readonly issues: ValidationIssue[] = [];

  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short, safe rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value;
}

export function checkInteger(
  issues: IssueList,
  path: string,
  value: unknown,
  min: number,
  max: number,
): value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return true;
  issues.add(path, `${path} must be an integer ${min}–${max}, got ${describeValue(value)}`);
  return false;
}

export function checkBoolean(issues: IssueList, path: string, value: unknown): value is boolean {
  if (typeof value === 'boolean') return true;
  issues.add(path, `${path} must be true or false, got ${describeValue(value)}`);
  return false;
}

export function checkOneOf<T extends string>(
  issues: IssueList,
  path: string,
  value: unknown,
  allowed: readonly T[],
): value is T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return true;
  issues.add(path, `${path} must be one of ${allowed.join(', ')}, got ${describeValue(value)}`);
  return false;
}

/** Reports keys of `obj` that are not in `known`, so a typo in a setting name is never silently ignored. */
export function checkKnownKeys(
  issues: IssueList,
  path: string,
  obj: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      // A key is caller's text of any length: show its start only.
      const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
      const where = path ? `${path}.${shown}` : shown;
      issues.add(where, `${where} is not a known setting (known: ${known.join(', ')})`);
    }
  }
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** `value` as an object, or undefined after adding `path must be an object, got …`. */
export function checkObject(issues: IssueList, path: string, value: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(value)) return value;
  issues.add(path, `${path} must be an object, got ${describeValue(value)}`);
  return undefined;
}

/**
 * One section of a document such as the settings: an object with no key but `keys`, and (unless `partial`, as in
 * a patch) every one of them. Returns the object for its fields to be checked, or undefined if it is not one.
 */
export function checkSection(
  issues: IssueList,
  path: string,
  value: unknown,
  keys: readonly string[],
  partial: boolean,
): Record<string, unknown> | undefined {
  const section = checkObject(issues, path, value);
  if (!section) return undefined;
  checkKnownKeys(issues, path, section, keys);
  if (!partial) {
    for (const key of keys) if (!(key in section)) issues.add(join(path, key), `${join(path, key)} is missing`);
  }
  return section;
}
