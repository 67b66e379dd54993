package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
	"github.com/nadb-server/nadb-server/resp"
)

// defaultOutputLimits is Redis's default client-output-buffer-limit, in
// the form CONFIG GET shows it.
const defaultOutputLimits = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"

// outputClasses are the client classes of client-output-buffer-limit in
// the order CONFIG GET lists them; "replica" is another name of "slave".
var outputClasses = []string{"normal", "slave", "pubsub"}

// outputLimit is one class's hard and soft limits in bytes and the soft
// limit's seconds.
type outputLimit struct{ hard, soft, secs int64 }

// parseOutputLimits reads "<class> <hard> <soft> <seconds>" groups, with
// Redis's refusals (resp.ErrBufferLimit*).
func parseOutputLimits(v string) (map[string]outputLimit, error) {
	f := strings.Fields(v)
	if len(f)%4 != 0 {
		return nil, resp.ErrBufferLimitArgs
	}
	out := map[string]outputLimit{}
	for i := 0; i < len(f); i += 4 {
		class := strings.ToLower(f[i])
		if class == "replica" {
			class = "slave"
		}
		if class != "normal" && class != "slave" && class != "pubsub" {
			return nil, resp.ErrBufferLimitClass
		}
		hard, err1 := parseMemory(f[i+1])
		soft, err2 := parseMemory(f[i+2])
		secs, err3 := strconv.ParseInt(f[i+3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || secs < 0 {
			return nil, resp.ErrBufferLimitValue
		}
		out[class] = outputLimit{hard, soft, secs}
	}
	return out, nil
}

func checkOutputLimits(v string) error {
	_, err := parseOutputLimits(v)
	return err
}

// mergeOutputLimits applies the classes that v gives to old and returns
// every class in CONFIG GET's form (bytes, Redis's class names and order).
// Both must have been checked.
func mergeOutputLimits(old, v string) string {
	all, _ := parseOutputLimits(old)
	if all == nil {
		all = map[string]outputLimit{}
	}
	given, _ := parseOutputLimits(v)
	for k, l := range given {
		all[k] = l
	}
	var b strings.Builder
	for _, class := range outputClasses {
		l := all[class]
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s %d %d %d", class, l.hard, l.soft, l.secs)
	}
	return b.String()
}

// normalOutputLimit is the normal class's limit, which the front end
// enforces.
func normalOutputLimit(v string) resp.OutputLimit {
	all, _ := parseOutputLimits(v)
	l := all["normal"]
	return resp.OutputLimit{Hard: l.hard, Soft: l.soft, SoftSeconds: l.secs}
}

// replicaOutputLimit is the replica ("slave") class's limit, which the
// primary enforces on its secondaries' unsent operations.
func replicaOutputLimit(v string) node.OutputLimit {
	all, _ := parseOutputLimits(v)
	l := all["slave"]
	return node.OutputLimit{Hard: l.hard, Soft: l.soft, SoftFor: time.Duration(l.secs) * time.Second}
}

// pubsubOutputLimit is the pubsub class's limit, which the front end
// enforces on a subscriber's unsent messages.
func pubsubOutputLimit(v string) resp.OutputLimit {
	all, _ := parseOutputLimits(v)
	l := all["pubsub"]
	return resp.OutputLimit{Hard: l.hard, Soft: l.soft, SoftSeconds: l.secs}
}
