import { ErrorCode, HyperMeshError } from '../shared/errors';

export { HyperMeshError, ValidationError } from '../shared/errors';

/**
 * A HyperMeshError base class for failures with a stable `reason` from the list `R`, under one `code`: the message
 * starts with the reason, and the reason travels in the error body.
 */
export function reasonedError<R extends string>(
  code: ErrorCode,
): new (reason: R, message: string, options?: { cause?: unknown }) => HyperMeshError & { readonly reason: R } {
  return class extends HyperMeshError {
    declare readonly reason: R;
    constructor(reason: R, message: string, options?: { cause?: unknown }) {
      super(code, `${reason}: ${message}`, { ...options, reason });
    }
  };
}

export class DataDirLockedError extends HyperMeshError {
  constructor(dataDir: string, pid: number | null) {
    super(
      ErrorCode.DataDirLocked,
      `another HyperMesh node${pid === null ? '' : ` (pid ${pid})`} is already using ${dataDir}; ` +
        'stop it first or choose another --data-dir',
    );
  }
}

export class DataDirUnwritableError extends HyperMeshError {
  constructor(dataDir: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCode.DataDirUnwritable, `cannot write to data directory ${dataDir}: ${reason}`, { cause });
  }
}

export class PortInUseError extends HyperMeshError {
  constructor(host: string, port: number) {
    super(
      ErrorCode.PortInUse,
      `port ${port} on ${host} is already in use (another node or program?); choose another with --api-port`,
    );
  }
}

export class SchemaTooNewError extends HyperMeshError {
  constructor(found: number, supported: number) {
    super(
      ErrorCode.SchemaTooNew,
      `the database has schema version ${found}, newer than this program supports (${supported}); ` +
        'update HyperMesh — the database was left untouched',
    );
  }
}

export class StoreCorruptError extends HyperMeshError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.StoreCorrupt, message, { cause });
  }
}

export class StoreMissingError extends HyperMeshError {
  constructor(what: string, wayOut: string) {
    super(ErrorCode.StoreMissing, `${what} is missing; ${wayOut}`);
  }
}

export class IdentityCorruptError extends HyperMeshError {
  constructor(file: string, reason: string) {
    super(
      ErrorCode.IdentityCorrupt,
      `the node identity in ${file} cannot be read (${reason}); it was left untouched — restore it from a backup ` +
        'or move it away to create a new identity',
    );
  }
}

export class IdentityMissingError extends HyperMeshError {
  constructor(file: string, database: string) {
    super(
      ErrorCode.IdentityMissing,
      `the node identity ${file} is missing but the database ${database} is there; a new identity would not own ` +
        'its wallet, leases and certificates — restore identity.json from a backup, or move the database away ' +
        '(hypermesh.db and the backups folder) to start afresh as a new node',
    );
  }
}

export class NodeStoppedError extends HyperMeshError {
  constructor() {
    super(ErrorCode.NodeStopped, 'the node is stopped');
  }
}
