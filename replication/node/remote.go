package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrRemoteUnanswered: RemoteCommand may have delivered its command, but
// no answer came (any other error means it was not delivered, or refused).
var ErrRemoteUnanswered = errors.New("the command may have been delivered, but no answer came")

// RemoteCommand sends one command to the Redis endpoint respAddr of
// another node and returns nil when it answers +OK. It connects and
// authenticates as a secondary's discovery does (the Redis dialer, TLS
// included; AUTH with masteruser and masterauth when set). FAILOVER uses
// it to promote its target and to point the other secondaries at it.
func (n *Node) RemoteCommand(ctx context.Context, respAddr string, args ...string) error {
	conn, err := n.opts.dialer()(ctx, KindRedis, respAddr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	_ = conn.SetDeadline(time.Now().Add(dialWait))
	br := bufio.NewReader(conn)
	if pw := loadString(&n.auth.masterAuth); pw != "" {
		if err := authenticateRedis(conn, br, loadString(&n.auth.masterUser), pw); err != nil {
			return fmt.Errorf("%s: %w", respAddr, err)
		}
	}
	if _, err := conn.Write(respCommand(args)); err != nil {
		return fmt.Errorf("%w: %w", ErrRemoteUnanswered, err)
	}
	line, err := br.ReadString('\n')
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRemoteUnanswered, err)
	}
	if !strings.HasPrefix(line, "+") {
		return fmt.Errorf("%s answered %s: %s", respAddr, strings.Join(args, " "), strings.TrimSpace(line))
	}
	return nil
}

// respCommand encodes args as a RESP command.
func respCommand(args []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return []byte(b.String())
}
