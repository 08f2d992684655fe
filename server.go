// Command coalitiongraph serves the Digital Skills and Jobs Coalition's content as a GraphQL API over MongoDB.
// With no MONGODB_URI it runs an embedded FerretDB and loads the seed content, so `go run .` is all it takes.
//
//	go run .                                                  serve (flags and environment: see -help)
//	go run . seed                                             load the seed content into the database and exit
//	go run . apikey create -name N -role R [-expires RFC3339] make an API key and print its secret, once
//	go run . apikey list                                      list the API keys
//	go run . apikey revoke NAME                               revoke an API key
//
// ADMIN_API_KEY, when set, installs that secret at start-up as the ADMIN key "bootstrap-admin": the first key,
// with which to create the others through the API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/embedded"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/metrics"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/seed"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "coalitiongraph:", err)
		os.Exit(1)
	}
}

// config is the service's configuration: each setting is an environment variable with a matching flag.
type config struct {
	port, mongoURI, database, dataDir, corsOrigins, seed, logLevel, logFormat, trustedProxies string
	// metricsAddr is where /metrics is served, a listener of its own; "" serves no metrics.
	metricsAddr string
	// adminKey is ADMIN_API_KEY: an environment variable only, since a flag's value shows in the process list.
	adminKey string
	// http holds the limits (httpapi.Settings).
	http httpapi.Config
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, []string, error) {
	var c config
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: %[1]s [flags] [command]

Commands:
  (none)                                            serve the API
  seed                                              load the seed content and exit
  apikey create -name N -role R [-expires RFC3339]  make an API key (R: %[2]s) and print its secret, once
  apikey list                                       list the API keys
  apikey revoke NAME                                revoke an API key

Environment: ADMIN_API_KEY installs that secret (%[3]s and at least 43 more characters) as the ADMIN key
bootstrap-admin at start-up. Each flag below has its environment variable.

Flags:
`, args[0], content.Roles, content.APIKeyPrefix)
		fs.PrintDefaults()
	}
	c.adminKey = getenv("ADMIN_API_KEY")
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.port, "port", env("PORT", "8080"), "HTTP port (PORT); 0 picks a free one")
	fs.StringVar(&c.mongoURI, "mongodb-uri", env("MONGODB_URI", ""), "MongoDB connection string (MONGODB_URI); empty runs the embedded store")
	fs.StringVar(&c.database, "mongodb-database", env("MONGODB_DATABASE", "coalitiongraph"), "database name (MONGODB_DATABASE)")
	fs.StringVar(&c.dataDir, "data-dir", env("DATA_DIR", "./data"), "where the embedded store keeps its files (DATA_DIR)")
	fs.StringVar(&c.corsOrigins, "cors-allowed-origins", env("CORS_ALLOWED_ORIGINS", "*"), "comma-separated origins browsers may call from (CORS_ALLOWED_ORIGINS)")
	fs.StringVar(&c.seed, "seed", env("SEED", "auto"), "auto: load the seed content into an empty database; never (SEED)")
	fs.StringVar(&c.logLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (LOG_LEVEL)")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated CIDRs of the proxies whose X-Forwarded-For names the client, for the rate limits (TRUSTED_PROXIES); empty trusts none")
	fs.StringVar(&c.logFormat, "log-format", env("LOG_FORMAT", "text"), "text (key=value) or json, one object a line (LOG_FORMAT)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", env("METRICS_ADDR", ""), "host:port serving Prometheus metrics at /metrics, apart from the public port; empty: no metrics (METRICS_ADDR)")
	for _, s := range httpapi.Settings {
		n, err := strconv.Atoi(env(s.Env, strconv.Itoa(s.Default)))
		if err != nil || n < 1 {
			return c, nil, fmt.Errorf("%s must be a positive whole number, got %q", s.Env, getenv(s.Env))
		}
		fs.IntVar(s.Field(&c.http), s.Flag, n, fmt.Sprintf("%s (%s, default %d)", s.Doc, s.Env, s.Default))
	}
	if err := fs.Parse(args[1:]); err != nil {
		return c, nil, err
	}
	for _, s := range httpapi.Settings { // a flag can set what the environment could not: zero or less
		if n := *s.Field(&c.http); n < 1 {
			return c, nil, fmt.Errorf("%s (-%s) must be a positive whole number, got %d", s.Env, s.Flag, n)
		}
	}
	// As long as a generated key at least: 256 bits in unpadded base64url. The store checks the rest (Install).
	if k := c.adminKey; k != "" && (!strings.HasPrefix(k, content.APIKeyPrefix) || len(k) < len(content.APIKeyPrefix)+43) {
		return c, nil, fmt.Errorf("ADMIN_API_KEY must start with %s and have at least 43 characters after it (the value is not shown)", content.APIKeyPrefix)
	}
	if c.seed != "auto" && c.seed != "never" {
		return c, nil, fmt.Errorf("SEED must be auto or never, got %q", c.seed)
	}
	trusted, err := httpapi.ParseTrustedProxies(c.trustedProxies)
	if err != nil {
		return c, nil, fmt.Errorf("TRUSTED_PROXIES (-trusted-proxies): %w", err)
	}
	c.http.TrustedProxies = trusted
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, nil, fmt.Errorf("LOG_FORMAT must be text or json, got %q", c.logFormat)
	}
	if c.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.metricsAddr); err != nil {
			return c, nil, fmt.Errorf("METRICS_ADDR must be host:port (such as 127.0.0.1:9090 or :9090), got %q", c.metricsAddr)
		}
	}
	return c, fs.Args(), nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, rest, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return fmt.Errorf("LOG_LEVEL: %w", err)
	}
	logs := stdout
	if len(rest) > 0 && rest[0] == "apikey" {
		logs = stderr // stdout is the command's answer alone, such as a new secret for a script to read
	}
	var handler slog.Handler = slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level})
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level})
	}
	logger := slog.New(httpapi.WithRequestIDs(handler))

	if cfg.metricsAddr != "" {
		cfg.http.Metrics = metrics.New()
	}
	tp, err := openTracing(ctx, getenv)
	if err != nil {
		return err
	}
	if tp != nil {
		cfg.http.TracerProvider = tp
		defer func() { // flush the spans still buffered
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := tp.Shutdown(sctx); err != nil {
				logger.Warn("tracing: spans not exported at exit", "error", err)
			}
		}()
		logger.Info("tracing on: exporting spans over OTLP")
	}

	store, closeStore, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	if cfg.adminKey != "" {
		if err := store.Keys().Install(content.WithViewer(ctx, content.System), bootstrapKey, cfg.adminKey, content.RoleAdmin); err != nil {
			return fmt.Errorf("ADMIN_API_KEY: %s", describe(err))
		}
		logger.Info("bootstrap API key installed", "name", bootstrapKey)
	}

	switch {
	case len(rest) == 1 && rest[0] == "seed":
		return loadSeed(ctx, store, logger)
	case len(rest) > 0 && rest[0] == "apikey":
		return apikey(content.WithViewer(ctx, content.System), store.Keys(), rest[1:], stdout, stderr)
	case len(rest) > 0:
		return fmt.Errorf("unknown command %q (the commands are seed and apikey; see -help)", strings.Join(rest, " "))
	case cfg.seed == "auto":
		empty, err := store.Empty(ctx)
		if err != nil {
			return err
		}
		if empty {
			if err := loadSeed(ctx, store, logger); err != nil {
				return err
			}
		}
	}
	return serve(ctx, cfg, store, logger)
}

// openStore connects to MONGODB_URI, or starts the embedded store, and makes sure the indexes exist.
func openStore(ctx context.Context, cfg config, logger *slog.Logger) (*mongostore.Store, func(), error) {
	uri, stop := cfg.mongoURI, func() {}
	if uri == "" {
		srv, err := embedded.Start(ctx, cfg.dataDir, logger)
		if err != nil {
			return nil, nil, err
		}
		logger.Info("embedded store started", "dataDir", cfg.dataDir)
		uri, stop = srv.URI(), srv.Stop
	}
	opts := options.Client().ApplyURI(uri).SetServerSelectionTimeout(10 * time.Second).SetAppName("coalitiongraph").
		SetMonitor(metrics.CommandMonitor(cfg.http.Metrics, cfg.http.TracerProvider, httpapi.CountCommand)).
		SetPoolMonitor(cfg.http.Metrics.PoolMonitor())
	if opts.WriteConcern == nil {
		// a write is acknowledged once a majority of the replica set has it, unless the URI says otherwise (w=…)
		opts.SetWriteConcern(writeconcern.Majority())
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	closeAll := func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = client.Disconnect(dctx)
		stop()
	}
	store := mongostore.New(client.Database(cfg.database))
	if err := store.Ping(ctx); err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("MongoDB does not answer: %w", err)
	}
	if err := store.EnsureIndexes(ctx); err != nil {
		closeAll()
		return nil, nil, err
	}
	return store, closeAll, nil
}

// bootstrapKey names the key ADMIN_API_KEY installs.
const bootstrapKey = "bootstrap-admin"

// apikey runs the apikey commands, as the System viewer: create prints the new secret alone on stdout, once.
func apikey(ctx context.Context, keys content.Keys, args []string, stdout, stderr io.Writer) error {
	const usage = "apikey create -name N -role R [-expires RFC3339] | apikey list | apikey revoke NAME"
	if len(args) == 0 {
		return fmt.Errorf("usage: %s", usage)
	}
	switch cmd, args := args[0], args[1:]; {
	case cmd == "create":
		fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
		fs.SetOutput(stderr)
		name := fs.String("name", "", "the key's name: 1 to 100 letters, digits, dots, dashes or underscores")
		role := fs.String("role", "", fmt.Sprintf("what the key allows: one of %v", content.Roles))
		expires := fs.String("expires", "", "when the key stops working, RFC 3339 (such as 2030-01-31T00:00:00Z); empty: never")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("apikey create takes flags only, not %q", strings.Join(fs.Args(), " "))
		}
		var at *time.Time
		if *expires != "" {
			t, err := time.Parse(time.RFC3339, *expires)
			if err != nil {
				return fmt.Errorf("-expires must be an RFC 3339 time such as 2030-01-31T00:00:00Z, got %q", *expires)
			}
			at = &t
		}
		secret, key, err := keys.Create(ctx, *name, content.Role(strings.ToUpper(*role)), at)
		if err != nil {
			return errors.New(describe(err))
		}
		fmt.Fprintf(stderr, "created API key %s with the %s role; its secret follows, shown this once: store it now\n", key.Name, key.Role)
		_, err = fmt.Fprintln(stdout, secret)
		return err
	case cmd == "list" && len(args) == 0:
		list, err := keys.List(ctx)
		if err != nil {
			return errors.New(describe(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tLAST USED\tEXPIRES\tREVOKED")
		for _, k := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Name, k.Role, stamp(&k.CreatedAt), stamp(k.LastUsedAt), stamp(k.ExpiresAt), stamp(k.RevokedAt))
		}
		return tw.Flush()
	case cmd == "revoke" && len(args) == 1:
		key, err := keys.Revoke(ctx, args[0])
		if err != nil {
			return errors.New(describe(err))
		}
		_, err = fmt.Fprintf(stdout, "revoked API key %s at %s\n", key.Name, stamp(key.RevokedAt))
		return err
	}
	return fmt.Errorf("usage: %s", usage)
}

// stamp shows a time in a table: RFC 3339 in UTC, or "-" for none.
func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// describe is a domain error as a command line shows it: its message and the reason for each bad field.
func describe(err error) string {
	var ce *content.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	out := ce.Message
	for _, f := range ce.Fields {
		out += fmt.Sprintf("; %s %s", f.Field, f.Message)
	}
	return out
}

func loadSeed(ctx context.Context, store *mongostore.Store, logger *slog.Logger) error {
	d, err := seed.Content()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := seed.Load(ctx, store, d); err != nil {
		return err
	}
	logger.Info("seed content loaded", "coalitions", len(d.Coalitions), "stakeholders", len(d.Stakeholders),
		"initiatives", len(d.Initiatives), "toolkitSections", len(d.ToolkitSections), "blogPosts", len(d.BlogPosts),
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// serve runs the HTTP server, and the metrics server when METRICS_ADDR is set, until ctx ends, then lets
// in-flight requests finish.
func serve(ctx context.Context, cfg config, store *mongostore.Store, logger *slog.Logger) error {
	hc := cfg.http
	hc.CORSOrigins, hc.Logger = httpapi.SplitOrigins(cfg.corsOrigins), logger
	srv := &http.Server{
		Handler:           httpapi.New(store, hc),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Exports stream for longer than a request's timeout, and set their own write deadline.
		WriteTimeout: time.Duration(hc.RequestTimeoutMS)*time.Millisecond + 15*time.Second,
		IdleTimeout:  2 * time.Minute,
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	if cfg.metricsAddr != "" {
		// A listener of its own, so that the public port never shows the metrics.
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", hc.Metrics.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
		mln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		logger.Info("metrics listening", "url", localURL(mln.Addr())+"metrics")
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(mln) }()
	}
	ln, err := net.Listen("tcp", ":"+cfg.port)
	if err != nil {
		return err
	}
	logger.Info("listening", "url", localURL(ln.Addr()))
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		for _, s := range servers {
			_ = s.Close()
		}
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	return nil
}

// localURL is the URL of a listener's address as a browser on this machine reaches it: localhost for a
// listener on every interface.
func localURL(addr net.Addr) string {
	a := addr.(*net.TCPAddr)
	host := "localhost"
	if !a.IP.IsUnspecified() {
		host = a.IP.String()
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port)) + "/"
}

// openTracing starts the tracer provider that exports spans over OTLP/HTTP when the standard
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the traces URL, as is) or OTEL_EXPORTER_OTLP_ENDPOINT (the collector's base
// URL, /v1/traces appended) is set and OTEL_SDK_DISABLED is not true; else it returns nil, and nothing is traced.
// The SDK reads the other OTEL_* variables itself (headers, timeout, sampler, resource attributes); the service
// is named coalitiongraph unless OTEL_SERVICE_NAME says otherwise.
func openTracing(ctx context.Context, getenv func(string) string) (*sdktrace.TracerProvider, error) {
	name, endpoint := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if endpoint == "" {
		if base := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); base != "" {
			name, endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT", strings.TrimSuffix(base, "/")+"/v1/traces"
		}
	}
	if endpoint == "" || strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return nil, nil
	}
	// The exporter keeps its default for a URL it cannot use, and would send the spans elsewhere.
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s must be an http or https URL, got %q", name, endpoint)
	}
	exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.New(ctx, resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName("coalitiongraph")), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)), nil
}
