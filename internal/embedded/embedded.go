// Package embedded runs FerretDB (SQLite backend, pure Go) inside the process, on a random loopback port, so that
// the service needs nothing installed: it speaks the MongoDB wire protocol to the same driver code as MongoDB.
package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Server is a running embedded FerretDB.
type Server struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// Start runs FerretDB with its files under dir (created when missing) and waits until it accepts connections.
// Its own logs go through logger, errors only: its routine connection chatter is not the service's business.
func Start(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	logger = slog.New(quiet{logger.Handler()}).With("component", "ferretdb")
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded: data dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: data dir: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(runCtx)
	}()
	// MongoDBURI blocks until the listener has its address.
	s.uri = f.MongoDBURI()
	if err := waitDial(ctx, s.uri); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func waitDial(ctx context.Context, uri string) error {
	host := uri[len("mongodb://") : len(uri)-1]
	var d net.Dialer
	for range 100 {
		c, err := d.DialContext(ctx, "tcp", host)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("embedded: FerretDB did not listen on %s", host)
}

// URI is the mongodb:// address of the server.
func (s *Server) URI() string { return s.uri }

// Stop closes the listener and the SQLite files; the data stays in the data dir.
func (s *Server) Stop() {
	s.cancel()
	<-s.done
}

// quiet passes on only errors.
type quiet struct{ slog.Handler }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && q.Handler.Enabled(ctx, l)
}

func (q quiet) WithAttrs(attrs []slog.Attr) slog.Handler { return quiet{q.Handler.WithAttrs(attrs)} }

func (q quiet) WithGroup(name string) slog.Handler { return quiet{q.Handler.WithGroup(name)} }
