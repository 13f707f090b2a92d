import path from 'node:path';

/** The repository root (this file lives in <repo>/stack). */
export const REPO_ROOT = path.resolve(__dirname, '..');
export const KAFKA_POM = path.join(REPO_ROOT, 'stack', 'kafka', 'pom.xml');
export const FERRETDB_SRC = path.join(REPO_ROOT, 'stack', 'ferretdb');
