import { afterEach } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../store/index';

/** Opens real SQLite databases (schema up to date); any a test leaves open is closed after it. */
export function useTestDatabases(): (file: string) => Db {
  const opened: Db[] = [];
  afterEach(() => {
    for (const db of opened.splice(0)) closeDatabase(db);
  });
  return (file) => {
    const db = openDatabase(file);
    opened.push(db);
    return db;
  };
}
