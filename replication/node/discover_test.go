package node

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDiscoverNADB: the NADB port comes from INFO replication; a server
// without it is named as not a nadb-server primary, unless its INFO
// persistence says it is still loading (its node is not up yet).
func TestDiscoverNADB(t *testing.T) {
	bulk := func(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }
	for _, tc := range []struct {
		name, replication, persistence, want string
	}{
		{"primary", "# Replication\r\nrole:master\r\nnadb_repl_listen_port:7001\r\n", "", "127.0.0.1:7001"},
		{"loading", "# Replication\r\nrole:master\r\n", "# Persistence\r\nloading:1\r\n", "is loading its data set"},
		{"redis", "# Replication\r\nrole:master\r\n", "# Persistence\r\nloading:0\r\n", "does not advertise a NADB replication port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startTestServer(t, func(_ int, conn net.Conn) {
				br := bufio.NewReader(conn)
				for {
					var lines []string
					for range 5 { // *2, $4, INFO, $n, section
						l, err := br.ReadString('\n')
						if err != nil {
							return
						}
						lines = append(lines, strings.TrimSpace(l))
					}
					reply := tc.persistence
					if lines[4] == "replication" {
						reply = tc.replication
					}
					if _, err := conn.Write([]byte(bulk(reply))); err != nil {
						return
					}
				}
			})
			dial := func(ctx context.Context, _ DialKind, addr string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "tcp", addr)
			}
			got, err := discoverNADB(context.Background(), dial, srv.addr, "", "")
			if strings.Contains(tc.want, ":") && err == nil {
				require.Equal(t, tc.want, got)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}
