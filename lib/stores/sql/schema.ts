/**
 * The schema of the SQL stores, shipped as SQL files beside this module
 * (schema.mysql.sql, schema.postgres.sql), and the function that runs them.
 *
 * Rules:
 * - The files name every table and index with the default prefix `oauth2_`, so
 *   they can be run by hand as they are; the functions here replace that
 *   prefix with the validated `prefix` and run each statement.
 * - Every schema statement is `CREATE ... IF NOT EXISTS`: running it again
 *   changes nothing.
 * - The files hold no `--` and no `;` at the end of a line inside a string:
 *   comments are cut at `--` and statements at `;` before a line break.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkOptionKeys, optionKeys } from '../../helpers/option-keys.js';
import { sqlExecutor, type SqlClientOptions, type SqlDialect } from './connect.js';
import type { SqlValue } from './executor.js';
import { DEFAULT_TABLE_PREFIX, sqlTableNames } from './queries.js';

/**
 * Where a .sql file is: beside this module (sources run through tsx, or a
 * build that copied them to dist/lib/stores/sql/), else in the package's
 * lib/stores/sql/ as seen from dist/lib/stores/sql/.
 */
function sqlFile(name: string): string {
  for (const dir of ['./', '../../../../lib/stores/sql/']) {
    const file = fileURLToPath(new URL(`${dir}${name}`, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new Error(
    `oauth2-stateless: the SQL file ${name} is missing from the package (lib/stores/sql/)`,
  );
}

/**
 * The statements of `<base>.<dialect>.sql` with `oauth2_` replaced by `prefix`,
 * in order, without comments or trailing semicolons. Checks the dialect and
 * the prefix (TypeErrors naming them, after `who`; the prefix as `prefixOption`).
 */
export function sqlFileStatements(
  base: 'schema' | 'migrate',
  dialect: SqlDialect,
  prefix: string | undefined,
  who: string,
  prefixOption = 'options.prefix',
): string[] {
  if (dialect !== 'mysql' && dialect !== 'postgres')
    throw new TypeError(`oauth2-stateless: ${who}: dialect must be 'mysql' or 'postgres'`);
  sqlTableNames(prefix, `${who}: ${prefixOption}`); // validates it
  const sql = readFileSync(sqlFile(`${base}.${dialect}.sql`), 'utf8').replace(/--[^\n]*/g, '');
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0)
    .map((statement) => statement.replace(/\boauth2_/g, prefix ?? DEFAULT_TABLE_PREFIX));
}

/**
 * The schema's statements for a dialect and table prefix (default `oauth2_`), in
 * order, without comments or trailing semicolons: for a migration tool.
 */
export function schemaStatements(dialect: SqlDialect, prefix?: string): string[] {
  return sqlFileStatements('schema', dialect, prefix, 'schemaStatements()', 'prefix');
}

/** Options of {@link createSchema}: the connection and the stores' table prefix. */
export type CreateSchemaOptions = SqlClientOptions & {
  /** The table prefix, as given to `sqlStores()`. Default `oauth2_`. */
  prefix?: string | undefined;
};

/** The keys of {@link CreateSchemaOptions} (and of `migrateSchema()`'s, the same type). */
export const SCHEMA_KEYS = optionKeys<CreateSchemaOptions>({
  dialect: true,
  client: true,
  prefix: true,
});

/**
 * Creates the tables and indexes of the SQL stores if they do not exist yet.
 * Safe to run at every start; run it once before the first `sqlStores()` call
 * on a new database (two processes creating the same PostgreSQL table at the
 * very same moment may see one of them fail).
 *
 * @example
 * ```ts
 * await createSchema({ dialect: 'postgres', client: pool });
 * ```
 */
export async function createSchema(options: CreateSchemaOptions): Promise<void> {
  checkOptionKeys(options, SCHEMA_KEYS, 'oauth2-stateless: createSchema(): options');
  const db = sqlExecutor(options, 'createSchema()');
  const none: SqlValue[] = [];
  for (const statement of sqlFileStatements(
    'schema',
    options.dialect,
    options.prefix,
    'createSchema()',
  ))
    await db.query(statement, none);
}
