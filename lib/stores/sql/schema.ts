/**
 * The schema of the SQL stores, shipped as SQL files beside this module
 * (schema.mysql.sql, schema.postgres.sql), and the function that runs them.
 *
 * The files name every table and index with the default prefix `oauth2_`, so
 * they can be run by hand as they are; `createSchema()` replaces that prefix
 * with the validated `tablePrefix` and runs each statement. Every statement is
 * `CREATE ... IF NOT EXISTS`: running it again changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SqlValue } from './executor.js';
import { sqlTableNames } from './queries.js';
import { sqlConnection, type SqlConnection, type SqlDialect } from './sql-store.js';

/**
 * Where the .sql files are: beside this module (sources run through tsx, or a
 * build that copied them to dist/lib/stores/sql/), else in the package's
 * lib/stores/sql/ as seen from dist/lib/stores/sql/.
 */
function schemaFile(dialect: SqlDialect): string {
  const name = `schema.${dialect}.sql`;
  for (const dir of ['./', '../../../../lib/stores/sql/']) {
    const file = fileURLToPath(new URL(`${dir}${name}`, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new Error(
    `oauth2-stateless: the schema file ${name} is missing from the package (lib/stores/sql/)`,
  );
}

/**
 * The schema's statements for a dialect and table prefix (default `oauth2_`), in
 * order, without comments or trailing semicolons: for a migration tool.
 */
export function schemaStatements(dialect: SqlDialect, tablePrefix?: string): string[] {
  if (dialect !== 'mysql' && dialect !== 'postgres') {
    throw new TypeError(
      `oauth2-stateless: schemaStatements(): dialect must be 'mysql' or 'postgres'`,
    );
  }
  sqlTableNames(tablePrefix); // validates the prefix
  const prefix = tablePrefix ?? 'oauth2_';
  const sql = readFileSync(schemaFile(dialect), 'utf8').replace(/--[^\n]*/g, '');
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0)
    .map((statement) => statement.replace(/\boauth2_/g, prefix));
}

/**
 * Creates the tables and indexes of the SQL stores if they do not exist yet.
 * Safe to run at every start; run it once before the first `sqlStores()` call
 * on a new database (two processes creating the same PostgreSQL table at the
 * very same moment may see one of them fail).
 */
export async function createSchema(
  options: SqlConnection & { tablePrefix?: string | undefined },
): Promise<void> {
  const { db } = sqlConnection(options, 'createSchema');
  const none: SqlValue[] = [];
  for (const statement of schemaStatements(options.dialect, options.tablePrefix))
    await db.query(statement, none);
}
