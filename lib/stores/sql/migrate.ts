/**
 * The migration from the SQL stores' previous schema (one table per kind:
 * clients, authorization_codes, access_tokens, refresh_tokens, consents,
 * revoked_grants) to the record tables, shipped as migrate.mysql.sql and
 * migrate.postgres.sql beside this module.
 *
 * Rules: the old tables are read, never changed; running it again copies
 * nothing twice (see the files' headers); the prefix is that of both the old
 * and the new tables.
 */
import { sqlExecutor } from './connect.js';
import type { SqlValue } from './executor.js';
import { checkOptionKeys } from '../../helpers/option-keys.js';
import { SCHEMA_KEYS, sqlFileStatements, type CreateSchemaOptions } from './schema.js';

/** Options of {@link migrateSchema}: the connection and the table prefix (old and new tables). */
export type MigrateSchemaOptions = CreateSchemaOptions;

/**
 * Creates the record tables (as `createSchema()`) and copies every live row of
 * the previous schema's tables into them, in the shape the typed stores write.
 * Run it once, before the stores start on the new tables; the old tables are
 * left for you to drop. On MySQL it needs 8.0+ or MariaDB 10.6+ (JSON_TABLE).
 *
 * @example
 * ```ts
 * await migrateSchema({ dialect: 'mysql', client: pool }); // the default prefix oauth2_
 * ```
 */
export async function migrateSchema(options: MigrateSchemaOptions): Promise<void> {
  checkOptionKeys(options, SCHEMA_KEYS, 'oauth2-stateless: migrateSchema(): options');
  const db = sqlExecutor(options, 'migrateSchema()');
  const none: SqlValue[] = [];
  const statements = [
    ...sqlFileStatements('schema', options.dialect, options.prefix, 'migrateSchema()'),
    ...sqlFileStatements('migrate', options.dialect, options.prefix, 'migrateSchema()'),
  ];
  for (const statement of statements) await db.query(statement, none);
}
