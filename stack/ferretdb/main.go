// ferretdb-local: the local stack's MongoDB-wire server. One process that owns a PostgreSQL
// server (with the DocumentDB extension) and an embedded FerretDB 2 in front of it, so the stack
// starts, probes, stops and kills "the database" as one unit, as a managed MongoDB would be.
//
//   - First start: initdb into <data>/pgdata, with the settings DocumentDB needs.
//   - Every start: postgres on 127.0.0.1:<pg-port> (its socket in <data>/pgdata when the path
//     fits), CREATE EXTENSION documentdb, then FerretDB on -listen.
//   - SIGTERM/SIGINT: FerretDB stops, then PostgreSQL's fast shutdown; exit 0.
//   - PostgreSQL dying on its own ends this process (exit 1), so a supervisor restarts both.
//   - This process killed with SIGKILL: PostgreSQL gets SIGQUIT (immediate shutdown, as after a
//     crash) through the parent-death signal, so no orphan keeps the port.
//
// PostgreSQL refuses to run as root: when started as root, initdb and postgres run as -pg-user.
//
// Secure profile (stack/README.md): -users-file turns authentication on and creates or updates
// those SCRAM users before FerretDB serves; -tls-cert/-tls-key make -listen a TLS listener.
// ferretdb.NewWithSecurity comes from secure.go.overlay, which stack/mongo.ts adds to FerretDB's
// package with `go build -overlay`: a plain `go build` of this directory does not compile.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/v2/ferretdb"
	"github.com/jackc/pgx/v5"
)

// Settings of FerretDB's own packaging of DocumentDB, plus what the local stack wants.
const pgSettings = `# written by ferretdb-local (order-saga local stack)
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 300
shared_buffers = 256MB
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = 'postgres'
cron.log_statement = off
cron.log_run = off
cron.log_min_messages = warning
documentdb.enableCompact = true
documentdb.enableLetAndCollationForQueryMatch = true
documentdb.enableNowSystemVariable = true
documentdb.enableSortbyIdPushDownToPrimaryKey = true
documentdb.enableSchemaValidation = true
documentdb.enableBypassDocumentValidation = true
documentdb.enableUserCrud = true
documentdb.maxUserLimit = 100
`

// noHotUpdates works around a DocumentDB 0.106 defect that makes a find whose results span
// several batches repeat or skip documents. Its streaming cursors resume at the heap position
// (ctid) of the last document returned and assume a scan returns rows in ascending ctid order;
// an index or bitmap scan that follows a HOT chain (an update PostgreSQL kept on the same page,
// reachable only through the old row's index entry) returns a later ctid first, so getMore starts
// over: measured, 120 documents each updated twice came back 5 000+ times with batchSize 10.
// PostgreSQL makes no HOT update when a column an index uses changes, so every collection table
// gets an empty partial index whose predicate reads the document column ("WHERE document IS
// NULL" never holds, so it costs no entries). Collections with a secondary index are already
// safe this way. An event trigger covers tables created later; the loop covers existing ones.
const noHotUpdates = `
CREATE OR REPLACE FUNCTION public.ferretdb_local_no_hot(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s ((1)) WHERE document IS NULL',
                 (SELECT relname FROM pg_class WHERE oid = tbl) || '_no_hot', tbl);
END $fn$;

CREATE OR REPLACE FUNCTION public.ferretdb_local_no_hot_trigger() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE obj record;
BEGIN
  FOR obj IN SELECT * FROM pg_event_trigger_ddl_commands()
             WHERE command_tag = 'CREATE TABLE' AND schema_name = 'documentdb_data'
  LOOP
    IF obj.object_identity ~ '^documentdb_data\.documents_[0-9]+$' THEN
      PERFORM public.ferretdb_local_no_hot(obj.objid::regclass);
    END IF;
  END LOOP;
END $fn$;

DROP EVENT TRIGGER IF EXISTS ferretdb_local_no_hot;
CREATE EVENT TRIGGER ferretdb_local_no_hot ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION public.ferretdb_local_no_hot_trigger();

SELECT public.ferretdb_local_no_hot(c.oid::regclass)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'documentdb_data' AND c.relkind = 'r' AND c.relname ~ '^documents_[0-9]+$';
`

type config struct {
	listen, data, pgBin, pgUser, logLevel string
	usersFile, tlsCert, tlsKey            string
	pgPort                                int
}

// mongoUser is one entry of -users-file (a JSON array, mode 0600, written by stack/secure.ts).
type mongoUser struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func main() {
	var c config
	flag.StringVar(&c.listen, "listen", "127.0.0.1:27017", "MongoDB wire protocol TCP address")
	flag.StringVar(&c.data, "data", "", "directory for PostgreSQL's data and FerretDB's state (absolute)")
	flag.StringVar(&c.pgBin, "pg-bin", "/usr/lib/postgresql/15/bin", "directory of initdb and postgres")
	flag.IntVar(&c.pgPort, "pg-port", 0, "PostgreSQL TCP port on 127.0.0.1 (required)")
	flag.StringVar(&c.pgUser, "pg-user", "postgres", "unprivileged user for PostgreSQL when run as root")
	flag.StringVar(&c.logLevel, "log-level", "warn", "FerretDB log level: debug, info, warn, error")
	flag.StringVar(&c.usersFile, "users-file", "", "JSON [{user, password}]: turns authentication on and creates these users")
	flag.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate: -listen serves TLS only (with -tls-key)")
	flag.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of -tls-cert")
	flag.Parse()
	if c.data == "" || !filepath.IsAbs(c.data) || c.pgPort == 0 {
		log.Fatal("-data (absolute) and -pg-port are required")
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		log.Fatal("-tls-cert and -tls-key go together")
	}
	if err := run(c); err != nil {
		log.Fatalf("ferretdb-local: %v", err)
	}
}

func run(c config) error {
	cred, err := credentialFor(c.pgUser)
	if err != nil {
		return err
	}
	pgData := filepath.Join(c.data, "pgdata")
	if err := initCluster(c, pgData, cred); err != nil {
		return err
	}

	users, err := readUsers(c.usersFile)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	pg := exec.Command(filepath.Join(c.pgBin, "postgres"), "-D", pgData)
	pg.Stdout, pg.Stderr = os.Stderr, os.Stderr
	pg.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := pg.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	pgExited := make(chan error, 1)
	go func() { pgExited <- pg.Wait() }()
	log.Printf("postgres: pid %d, 127.0.0.1:%d, data %s", pg.Process.Pid, c.pgPort, pgData)

	url := fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres", c.pgUser, c.pgPort)
	if err := createExtension(ctx, url, pgExited, users); err != nil {
		stopPostgres(pg, pgExited)
		return err
	}

	off := false
	level := new(slog.LevelVar)
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	f, err := ferretdb.NewWithSecurity(&ferretdb.Config{
		PostgreSQLURL: url,
		ListenAddr:    c.listen,
		StateDir:      filepath.Join(c.data, "ferretdb-state"),
		LogLevel:      level,
		LogOutput:     os.Stderr,
		Telemetry:     &off,
	}, ferretdb.Security{Auth: c.usersFile != "", TLSCertFile: c.tlsCert, TLSKeyFile: c.tlsKey})
	if err != nil {
		stopPostgres(pg, pgExited)
		return fmt.Errorf("ferretdb: %w", err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { f.Run(runCtx); close(done) }()
	log.Printf("ferretdb: listening on %s (tls %t, authentication %t, %d users)", c.listen, c.tlsCert != "", c.usersFile != "", len(users))

	select {
	case <-ctx.Done():
		log.Printf("stopping: ferretdb, then postgres")
		cancel()
		<-done
		stopPostgres(pg, pgExited)
		return nil
	case err := <-pgExited:
		cancel()
		<-done
		return fmt.Errorf("postgres exited on its own (%v)", err)
	case <-done:
		stopPostgres(pg, pgExited)
		return errors.New("ferretdb stopped on its own")
	}
}

// credentialFor returns the identity PostgreSQL runs as: nil (ourselves) unless we are root.
func credentialFor(name string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: %w (set -pg-user)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func initCluster(c config, pgData string, cred *syscall.Credential) error {
	if _, err := os.Stat(filepath.Join(pgData, "PG_VERSION")); err == nil {
		return writeSettings(c, pgData, cred)
	}
	if err := os.MkdirAll(c.data, 0o755); err != nil {
		return err
	}
	if err := os.RemoveAll(pgData); err != nil { // a half-done initdb
		return err
	}
	if err := os.Mkdir(pgData, 0o700); err != nil {
		return err
	}
	if cred != nil {
		if err := os.Chown(pgData, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	cmd := exec.Command(filepath.Join(c.pgBin, "initdb"), "-D", pgData, "-U", c.pgUser,
		"--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Dir = "/"
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb into %s failed (%w); when run as root, every parent of -data must be traversable by %q", pgData, err, c.pgUser)
	}
	return writeSettings(c, pgData, cred)
}

// writeSettings rewrites an included file on every start, so a changed port or socket applies.
func writeSettings(c config, pgData string, cred *syscall.Credential) error {
	socketDir := pgData
	if len(socketDir) > 90 { // sun_path holds 107 bytes; the socket's own name takes ~17
		socketDir = ""
	}
	file := filepath.Join(pgData, "ferretdb-local.conf")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(pgSettings, c.pgPort, socketDir)), 0o600); err != nil {
		return err
	}
	if cred != nil {
		if err := os.Chown(file, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	main := filepath.Join(pgData, "postgresql.conf")
	text, err := os.ReadFile(main)
	if err != nil {
		return err
	}
	if !strings.Contains(string(text), "include_if_exists = 'ferretdb-local.conf'") {
		text = append(text, []byte("\ninclude_if_exists = 'ferretdb-local.conf'\n")...)
		return os.WriteFile(main, text, 0o600)
	}
	return nil
}

// readUsers reads -users-file; none when the flag is unset.
func readUsers(file string) ([]mongoUser, error) {
	if file == "" {
		return nil, nil
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-users-file: %w", err)
	}
	var users []mongoUser
	if err := json.Unmarshal(text, &users); err != nil {
		return nil, fmt.Errorf("-users-file %s: %w", file, err)
	}
	for _, u := range users {
		if u.User == "" || u.Password == "" {
			return nil, fmt.Errorf("-users-file %s: every entry needs user and password", file)
		}
	}
	return users, nil
}

// ensureUsers creates each user, or sets its password if it exists, through DocumentDB's SQL API
// (as FerretDB's createUser/updateUser do). The role is DocumentDB's only read-write one; FerretDB
// 2.5 records roles but does not enforce them (every command runs as FerretDB's own PostgreSQL
// user), so a user can do anything once authenticated. Unlike FerretDB's createUser, this does
// not make the PostgreSQL role a superuser.
func ensureUsers(ctx context.Context, conn *pgx.Conn, users []mongoUser) error {
	for _, u := range users {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", u.User).Scan(&exists); err != nil {
			return err
		}
		spec := map[string]any{"updateUser": u.User, "pwd": u.Password}
		query := "SELECT documentdb_api.update_user($1::text::documentdb_core.bson)"
		if !exists {
			spec = map[string]any{"createUser": u.User, "pwd": u.Password, "roles": []map[string]string{
				{"role": "readWriteAnyDatabase", "db": "admin"}, {"role": "clusterAdmin", "db": "admin"},
			}}
			query = "SELECT documentdb_api.create_user($1::text::documentdb_core.bson)"
		}
		text, err := json.Marshal(spec)
		if err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, query, string(text)); err != nil {
			return fmt.Errorf("user %q: %w", u.User, err)
		}
	}
	return nil
}

// createExtension waits for PostgreSQL to accept connections, installs DocumentDB once, and
// creates the users of -users-file.
func createExtension(ctx context.Context, url string, pgExited <-chan error, users []mongoUser) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-pgExited:
			return fmt.Errorf("postgres exited while starting (%v); its log is above", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			defer conn.Close(ctx)
			if _, err = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS documentdb CASCADE"); err != nil {
				return fmt.Errorf("CREATE EXTENSION documentdb: %w", err)
			}
			if _, err = conn.Exec(ctx, noHotUpdates); err != nil {
				return fmt.Errorf("installing the HOT-update workaround: %w", err)
			}
			return ensureUsers(ctx, conn, users)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not accepting connections after 60s: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stopPostgres asks for a fast shutdown (SIGINT), then an immediate one (SIGQUIT) after 20 s.
func stopPostgres(pg *exec.Cmd, exited <-chan error) {
	_ = pg.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = pg.Process.Signal(syscall.SIGQUIT)
		<-exited
	}
}
