// Pinned versions of what the stack provisions. stack/kafka/pom.xml and stack/ferretdb/go.mod
// must agree (a unit test checks), since they name the cache directories.
export const TEMPORAL_CLI_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';
export const KAFKA_VERSION = '3.9.1';
export const FERRETDB_VERSION = '1.24.2';
