package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
)

// Errors of the TLS setup; the messages that wrap them name the option.
var (
	errTLSNoCert = errors.New("TLS (tls-port, or tls-replication yes) needs a certificate (tls-cert-file) and its private key (tls-key-file)")
	errTLSNoCA   = errors.New("no CA certificates to verify peers with: set tls-ca-cert-file or tls-ca-cert-dir")
	errTLSNoPEM  = errors.New("holds no PEM block of the expected type")
	errTLSPair   = errors.New("both files of the pair must be given")
)

// tlsOptions are the tls-* options.
type tlsOptions struct {
	Port           int    // tls-port (0: none)
	CertFile       string // tls-cert-file
	KeyFile        string // tls-key-file
	ClientCertFile string // tls-client-cert-file (empty: CertFile)
	ClientKeyFile  string // tls-client-key-file (empty: KeyFile)
	CAFile         string // tls-ca-cert-file
	CADir          string // tls-ca-cert-dir
	AuthClients    string // tls-auth-clients: "yes", "no" or "optional"
	Protocols      string // tls-protocols (empty: TLSv1.2 TLSv1.3)
	Ciphers        string // tls-ciphers, TLS 1.2 and older (empty: Go's secure list)
	CipherSuites   string // tls-ciphersuites, TLS 1.3 (checked only)
	Replication    bool   // tls-replication
}

// tlsOptionsOf reads the tls-* options from the values of the settings.
func tlsOptionsOf(v func(name string) string) tlsOptions {
	port, _ := strconv.Atoi(v("tls-port"))
	return tlsOptions{
		Port: port, CertFile: v("tls-cert-file"), KeyFile: v("tls-key-file"),
		ClientCertFile: v("tls-client-cert-file"), ClientKeyFile: v("tls-client-key-file"),
		CAFile: v("tls-ca-cert-file"), CADir: v("tls-ca-cert-dir"),
		AuthClients: strings.ToLower(v("tls-auth-clients")), Protocols: v("tls-protocols"),
		Ciphers: v("tls-ciphers"), CipherSuites: v("tls-ciphersuites"),
		Replication: strings.EqualFold(v("tls-replication"), "yes"),
	}
}

// enabled reports whether any port speaks TLS.
func (o tlsOptions) enabled() bool { return o.Port != 0 || o.Replication }

// needsCA reports why CA certificates are needed ("" when they are not):
// to verify clients' certificates, or, for a secondary, its primary's.
func (o tlsOptions) needsCA() string {
	switch {
	case o.AuthClients != "no":
		return "tls-auth-clients " + o.AuthClients + " verifies client certificates"
	case o.Replication:
		return "tls-replication yes verifies the primary's certificate"
	}
	return ""
}

// validate checks the options as a whole, without reading files.
func (o tlsOptions) validate() error {
	if !o.enabled() {
		return nil
	}
	if o.CertFile == "" {
		return fmt.Errorf("option 'tls-cert-file': %w", errTLSNoCert)
	}
	if o.KeyFile == "" {
		return fmt.Errorf("option 'tls-key-file': %w", errTLSNoCert)
	}
	if (o.ClientCertFile == "") != (o.ClientKeyFile == "") {
		return fmt.Errorf("options 'tls-client-cert-file'/'tls-client-key-file': %w", errTLSPair)
	}
	if why := o.needsCA(); why != "" && o.CAFile == "" && o.CADir == "" {
		return fmt.Errorf("options 'tls-ca-cert-file'/'tls-ca-cert-dir': %w (%s)", errTLSNoCA, why)
	}
	return nil
}

// tlsState is one loading of the files and values: what every handshake
// uses until the next reload.
type tlsState struct {
	server *tls.Config // for the TLS Redis port and the NADB listener
	client *tls.Config // a secondary's, without ServerName
}

// tlsSetup gives the TLS configurations of the server's ports and of its
// connections to a primary. Reload replaces the files' contents for every
// later handshake; connections already open keep theirs.
type tlsSetup struct {
	cur atomic.Pointer[tlsState]
}

// newTLSSetup loads the files o names. The errors name the option.
func newTLSSetup(o tlsOptions) (*tlsSetup, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	st, err := loadTLS(o)
	if err != nil {
		return nil, err
	}
	t := &tlsSetup{}
	t.cur.Store(st)
	return t, nil
}

// reload loads o again; on error the previous state stays in use.
func (t *tlsSetup) reload(o tlsOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	st, err := loadTLS(o)
	if err != nil {
		return err
	}
	t.cur.Store(st)
	return nil
}

// serverConfig is the configuration of a TLS listener: each handshake
// takes the state loaded last.
func (t *tlsSetup) serverConfig() *tls.Config {
	return &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		return t.cur.Load().server, nil
	}}
}

// clientConfig is the configuration with which a secondary reaches host:
// the primary's certificate must be valid for host (a DNS name or an IP
// address in its subject alternative names) and signed by the CA.
func (t *tlsSetup) clientConfig(host string) *tls.Config {
	c := t.cur.Load().client.Clone()
	c.ServerName = host
	return c
}

// dialTimeout bounds a secondary's TCP connect and TLS handshake together.
const dialTimeout = 5 * time.Second

// dial is the node's Dial with tls-replication yes: both the NADB port and
// the Redis port asked for it (replicaof) are reached over TLS.
func (t *tlsSetup) dial(ctx context.Context, _ node.DialKind, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: dialTimeout}, Config: t.clientConfig(host)}
	return d.DialContext(ctx, "tcp", addr)
}

// loadTLS reads the files and values of o into a state.
func loadTLS(o tlsOptions) (*tlsState, error) {
	lo, hi, err := parseTLSProtocols(o.Protocols)
	if err != nil {
		return nil, fmt.Errorf("option 'tls-protocols': %w", err)
	}
	ciphers, err := parseTLSCiphers(o.Ciphers)
	if err != nil {
		return nil, fmt.Errorf("option 'tls-ciphers': %w", err)
	}
	if err := checkTLSCipherSuites(o.CipherSuites); err != nil {
		return nil, fmt.Errorf("option 'tls-ciphersuites': %w", err)
	}
	cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("options 'tls-cert-file'/'tls-key-file': %w", err)
	}
	clientCert := cert
	if o.ClientCertFile != "" {
		if clientCert, err = tls.LoadX509KeyPair(o.ClientCertFile, o.ClientKeyFile); err != nil {
			return nil, fmt.Errorf("options 'tls-client-cert-file'/'tls-client-key-file': %w", err)
		}
	}
	pool, err := loadCAs(o.CAFile, o.CADir)
	if err != nil {
		return nil, err
	}
	server := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: lo, MaxVersion: hi, CipherSuites: ciphers}
	switch o.AuthClients {
	case "yes":
		server.ClientAuth, server.ClientCAs = tls.RequireAndVerifyClientCert, pool
	case "optional":
		server.ClientAuth, server.ClientCAs = tls.VerifyClientCertIfGiven, pool
	}
	client := &tls.Config{Certificates: []tls.Certificate{clientCert}, RootCAs: pool, MinVersion: lo, MaxVersion: hi, CipherSuites: ciphers}
	return &tlsState{server: server, client: client}, nil
}

// loadCAs reads the CA certificates of tls-ca-cert-file and of every file
// in tls-ca-cert-dir (OpenSSL's hashed links and the files they point to
// alike; files without a certificate are skipped). Neither: nil.
func loadCAs(file, dir string) (*x509.CertPool, error) {
	if file == "" && dir == "" {
		return nil, nil
	}
	pool := x509.NewCertPool()
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("option 'tls-ca-cert-file': %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("option 'tls-ca-cert-file': %s %w (CERTIFICATE)", file, errTLSNoPEM)
		}
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("option 'tls-ca-cert-dir': %w", err)
		}
		found := false
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue // a dangling link, a file we may not read
			}
			found = pool.AppendCertsFromPEM(b) || found
		}
		if !found {
			return nil, fmt.Errorf("option 'tls-ca-cert-dir': %s: no file in it %w (CERTIFICATE)", dir, errTLSNoPEM)
		}
	}
	return pool, nil
}

// checkPEMFile is the option table's check of a certificate or key file:
// empty, or a readable file with a PEM block whose type ends in suffix
// ("CERTIFICATE", "PRIVATE KEY").
func checkPEMFile(suffix string) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		b, err := os.ReadFile(v)
		if err != nil {
			return err
		}
		for {
			var blk *pem.Block
			blk, b = pem.Decode(b)
			if blk == nil {
				return fmt.Errorf("%w (%s)", errTLSNoPEM, suffix)
			}
			if strings.HasSuffix(blk.Type, suffix) {
				return nil
			}
		}
	}
}

// checkCADir is the option table's check of tls-ca-cert-dir: empty, or a
// directory.
func checkCADir(v string) error {
	if v == "" {
		return nil
	}
	st, err := os.Stat(v)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return errors.New("not a directory")
	}
	return nil
}

// announcedPort is the Redis port a secondary tells its primary, as Redis
// does: the TLS port with tls-replication yes (or when it is the only one).
func announcedPort(port int, o tlsOptions) int {
	if o.Port != 0 && (o.Replication || port == 0) {
		return o.Port
	}
	return port
}

// checkPorts checks the TLS options against the ports: something must
// listen for clients, and no two listeners may share a port.
func checkPorts(port, replPort int, o tlsOptions) error {
	switch {
	case port == 0 && o.Port == 0:
		return errors.New("invalid value '0' for option 'port': with no tls-port either, nothing would listen for clients")
	case o.Port != 0 && o.Port == port:
		return fmt.Errorf("option 'tls-port' (%d) must differ from 'port'", o.Port)
	case o.Port != 0 && o.Port == replPort:
		return fmt.Errorf("option 'repl-listen-port' (%d) must differ from 'tls-port'", replPort)
	}
	return o.validate()
}

// reloadTLS reloads the TLS files and values after CONFIG SET changed the
// tls-* option name. A failure (a certificate and a key that do not match
// yet, while a pair is changed one option at a time) is logged, and the
// previous files stay in use until a reload succeeds.
func reloadTLS(t *tlsSetup, name string, value func(string) string, logger *slog.Logger) {
	if t == nil || !strings.HasPrefix(name, "tls-") {
		return
	}
	if err := t.reload(tlsOptionsOf(value)); err != nil {
		logger.Error("TLS configuration not reloaded: the previous one stays in use", "option", name, "err", err)
		return
	}
	logger.Info("TLS configuration reloaded", "option", name)
}
