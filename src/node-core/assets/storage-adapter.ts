import { constants, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { lstat, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { HardwareInfo } from '../../shared/hardware';
import { formatBytes } from '../../shared/privacy';
import type { Detection, Lease } from './adapter';
import { AllocationError, AssetAccessError } from './errors';
import { HardwareAdapter, type HardwareAdapterOptions } from './hardware-adapter';

/** Folder of the data directory that holds shared storage: one subfolder per lease. */
export const SHARED_STORAGE_DIR = 'shared-storage';

const LEASE_DIR = /^storage-[a-z2-7]{16}$/;
const MAX_PATH = 1024;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

/**
 * Shared disk space: `DATA/shared-storage/<leaseId>/`. Capacity is the free space of the data directory's
 * filesystem (plus what leases already hold) × percent. Each lease is a byte quota on its own folder; consumers
 * reach it only through `write` / `read` / `remove`, which refuse writes past the lease's quota or past the total
 * the cap allows, and refuse paths that are absolute, contain `..`, `.`, `\`, empty or NUL parts, or go through a
 * symlink (checked with lstat on every part, and the file opened with O_NOFOLLOW). A lease's folder is deleted when
 * the lease ends; leftover lease folders (from before a restart) are deleted by detect().
 */
export class StorageAdapter extends HardwareAdapter {
  readonly kind = 'storage' as const;
  readonly unit = 'bytes' as const;
  /** `DATA/shared-storage`. */
  readonly root: string;
  /** Per lease: file path → size. */
  readonly #files = new Map<string, Map<string, number>>();

  constructor(options: HardwareAdapterOptions) {
    super(options);
    this.root = join(options.dataDir, SHARED_STORAGE_DIR);
  }

  protected detectFrom(hw: HardwareInfo): Detection {
    const total = hw.storage.freeBytes + this.totalUsedBytes();
    if (!(total > 0)) return { present: false, reason: `no free space on ${hw.storage.mount}`, code: 'no-free-space' };
    return {
      present: true,
      total,
      unit: 'bytes',
      descriptor: { resource: 'disk', mount: hw.storage.mount },
      summary: `${formatBytes(total)} free on ${hw.storage.mount}`,
    };
  }

  protected override onDetected(): void {
    mkdirSync(this.root, { recursive: true });
    for (const entry of readdirSync(this.root)) {
      if (LEASE_DIR.test(entry) && !this.#files.has(entry))
        rmSync(join(this.root, entry), { recursive: true, force: true });
    }
  }

  protected override reserve(lease: Lease): void {
    try {
      mkdirSync(this.root, { recursive: true });
      mkdirSync(join(this.root, lease.id));
    } catch (err) {
      throw new AllocationError('unavailable', `storage: cannot create the lease folder: ${String(err)}`);
    }
    this.#files.set(lease.id, new Map());
  }

  protected override onLeaseEnd(lease: Lease): void {
    this.#files.delete(lease.id);
    rmSync(join(this.root, lease.id), { recursive: true, force: true });
  }

  /** Bytes the lease's files hold. */
  usedBytes(leaseId: string): number {
    this.lease(leaseId);
    return sum(this.#files.get(leaseId));
  }

  /** Bytes all leases' files hold. */
  totalUsedBytes(): number {
    let total = 0;
    for (const files of this.#files.values()) total += sum(files);
    return total;
  }

  /** Writes (replaces) one file of the lease. */
  async write(leaseId: string, path: string, data: Uint8Array | string): Promise<void> {
    const lease = this.lease(leaseId);
    const parts = checkPath(path);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const files = this.#files.get(lease.id) ?? new Map<string, number>();
    const key = parts.join('/');
    const old = files.get(key) ?? 0;
    const delta = bytes.byteLength - old;
    const used = sum(files);
    if (used + delta > lease.amount) {
      throw new AssetAccessError(
        'lease-quota',
        `storage: writing ${bytes.byteLength} bytes to ${key} would use ${used + delta} of the lease's ${lease.amount} bytes`,
      );
    }
    const allowed = this.allowed();
    const totalUsed = this.totalUsedBytes();
    if (delta > 0 && totalUsed + delta > allowed) {
      throw new AssetAccessError(
        'total-quota',
        `storage: writing ${key} would bring shared storage to ${totalUsed + delta} bytes, over the ${allowed} allowed`,
      );
    }
    // Reserve before the first await so concurrent writes cannot both pass the quota check.
    const existed = files.has(key);
    files.set(key, bytes.byteLength);
    let target: string | null = null;
    const leaseDir = join(this.root, lease.id);
    try {
      let dir = leaseDir;
      await noSymlink(dir, key);
      for (const part of parts.slice(0, -1)) {
        dir = join(dir, part);
        await mkdir(dir).catch((err: unknown) => {
          if (code(err) !== 'EEXIST') throw err;
        });
        await noSymlink(dir, key);
      }
      this.lease(leaseId); // still active after the awaits
      const path = join(dir, parts.at(-1) ?? '');
      const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW);
      target = path;
      try {
        await file.writeFile(bytes);
      } finally {
        await file.close();
      }
    } catch (err) {
      if (target !== null) {
        // Failed after truncating (disk full…): drop the half-written file rather than leave bytes uncounted.
        await unlink(target).catch(() => undefined);
        files.delete(key);
      } else if (existed) {
        files.set(key, old);
      } else {
        files.delete(key);
      }
      throw translate(err, key);
    }
  }

  /** Reads one file of the lease. */
  async read(leaseId: string, path: string): Promise<Buffer> {
    const lease = this.lease(leaseId);
    const parts = checkPath(path);
    const key = parts.join('/');
    try {
      let dir = join(this.root, lease.id);
      await noSymlink(dir, key);
      for (const part of parts.slice(0, -1)) {
        dir = join(dir, part);
        await noSymlink(dir, key);
      }
      const file = await open(join(dir, parts.at(-1) ?? ''), constants.O_RDONLY | NOFOLLOW);
      try {
        return await file.readFile();
      } finally {
        await file.close();
      }
    } catch (err) {
      throw translate(err, key);
    }
  }

  /** Deletes one file of the lease and frees its bytes. */
  async remove(leaseId: string, path: string): Promise<void> {
    const lease = this.lease(leaseId);
    const parts = checkPath(path);
    const key = parts.join('/');
    let dir = join(this.root, lease.id);
    try {
      await noSymlink(dir, key);
      for (const part of parts.slice(0, -1)) {
        dir = join(dir, part);
        await noSymlink(dir, key);
      }
      await unlink(join(dir, parts.at(-1) ?? ''));
    } catch (err) {
      throw translate(err, key);
    }
    this.#files.get(lease.id)?.delete(key);
  }
}

function sum(files: ReadonlyMap<string, number> | undefined): number {
  let total = 0;
  for (const size of files?.values() ?? []) total += size;
  return total;
}

/** The parts of a relative path inside a lease folder, or AssetAccessError('bad-path'). */
function checkPath(path: string): string[] {
  const bad = (why: string) =>
    new AssetAccessError('bad-path', `storage: refused path ${JSON.stringify(path)}: ${why}`);
  if (typeof path !== 'string' || path.length === 0) throw bad('it is empty');
  if (path.length > MAX_PATH) throw bad(`longer than ${MAX_PATH} characters`);
  if (path.includes('\0')) throw bad('it contains a NUL character');
  if (path.includes('\\')) throw bad('use "/" to separate folders');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw bad('absolute paths are not allowed');
  const parts = path.split('/');
  for (const part of parts) {
    if (part === '..') throw bad('".." would leave the lease folder');
    if (part === '' || part === '.') throw bad('empty or "." parts are not allowed');
  }
  return parts;
}

async function noSymlink(path: string, key: string): Promise<void> {
  const stat = await lstat(path);
  if (stat.isSymbolicLink())
    throw new AssetAccessError('symlink', `storage: refused ${key}: it goes through a symlink`);
  if (!stat.isDirectory()) throw new AssetAccessError('bad-path', `storage: refused ${key}: a part of it is a file`);
}

function translate(err: unknown, key: string): Error {
  if (err instanceof AssetAccessError) return err;
  switch (code(err)) {
    case 'ELOOP':
      return new AssetAccessError('symlink', `storage: refused ${key}: it is a symlink`, { cause: err });
    case 'ENOENT':
      return new AssetAccessError('not-found', `storage: ${key} does not exist`, { cause: err });
    case 'EISDIR':
    case 'ENOTDIR':
      return new AssetAccessError('bad-path', `storage: ${key} is a folder or lies under a file`, { cause: err });
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}
