/**
 * The SQL stores, the `oauth2-stateless/stores/sql` entry: MySQL 8+/MariaDB
 * 10.5+ through mysql2, PostgreSQL 12+ through pg (optional peer dependencies;
 * nothing here imports them, the host app creates the pool).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createSchema, sqlStores } from 'oauth2-stateless/stores/sql';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000 });
 * await createSchema({ dialect: 'postgres', client: pool });
 * const stores = sqlStores({ dialect: 'postgres', client: pool });
 * ```
 */
export { sqlStores, type SqlStores, type SqlStoresOptions } from './sql-store.js';
export { SqlRecordStore, type SqlRecordStoreOptions } from './record-store.js';
export { createSchema, schemaStatements, type CreateSchemaOptions } from './schema.js';
export { migrateSchema, type MigrateSchemaOptions } from './migrate.js';
export type {
  MysqlCallbackPool,
  MysqlPool,
  PostgresPool,
  SqlClientOptions,
  SqlDialect,
} from './connect.js';
