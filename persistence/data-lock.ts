/**
 * One process owns a data folder: a lock file (`ringmatch.lock`, the owner's pid) created
 * exclusively at start and removed at exit. A second server on the same folder is refused with the
 * owner's pid — two writers would interleave the journal. A lock left by a process that no longer
 * runs (kill -9, power loss) is taken over, and said so. Cold path.
 */
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirError extends Error {
  override name = 'DataDirError';
}

const LOCK_FILE = 'ringmatch.lock';

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** An operator-facing message for a data folder that cannot be used (names the path and the fix). */
function explain(dir: string, e: NodeJS.ErrnoException): DataDirError {
  const fix = 'set dataDir (config) or DATA_DIR to a writable folder';
  switch (e.code) {
    case 'EACCES': case 'EPERM': return new DataDirError(`data folder ${dir}: permission denied (${e.syscall ?? 'access'}): ${fix}, or give this user write access`);
    case 'EROFS': return new DataDirError(`data folder ${dir} is on a read-only file system: ${fix}`);
    case 'ENOTDIR': case 'EEXIST': return new DataDirError(`data folder ${dir}: a path component is a file, not a folder: ${fix}`);
    case 'ENOSPC': return new DataDirError(`data folder ${dir}: no space left on the device: free space or ${fix}`);
    default: return new DataDirError(`data folder ${dir}: ${e.code ?? ''} ${e.message}: ${fix}`);
  }
}

export interface DataDirLock {
  readonly path: string;
  /** A stale lock (its process gone) was taken over: its pid. */
  readonly tookOverFrom: number | null;
  release(): void;
}

/** Create `dir` if needed and lock it for this process; throws DataDirError with what to do. */
export function lockDataDir(dir: string): DataDirLock {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    throw explain(dir, e as NodeJS.ErrnoException);
  }
  const path = join(dir, LOCK_FILE);
  let tookOverFrom: number | null = null;
  // The pid is written to a private file first and then linked into place: the lock never exists
  // without its owner's pid (a concurrent starter reading an empty lock would take it over).
  const tmp = join(dir, `${LOCK_FILE}.${process.pid}`);
  try {
    writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
  } catch (e) {
    throw explain(dir, e as NodeJS.ErrnoException);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code !== 'EEXIST') throw explain(dir, err);
        if (attempt > 0) throw new DataDirError(`data folder ${dir} is locked (${path}) and the lock could not be taken over`);
        const owner = readOwner(path);
        if (owner !== null && owner !== process.pid && alive(owner)) {
          throw new DataDirError(`data folder ${dir} is in use by process ${owner} (lock file ${path}), another ringmatch: stop it first, or give this server another dataDir / DATA_DIR (if pid ${owner} is not a ringmatch, the lock is stale: remove ${path})`);
        }
        // Stale: its process is gone. Take it over — unless it changed under us (another starter won).
        if (readOwner(path) !== owner) continue;
        tookOverFrom = owner;
        unlinkSync(path);
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.once('exit', release);
  return { path, tookOverFrom, release };
}
