package resp

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
)

// noReplID is Redis's replication ID of "none".
const noReplID = "0000000000000000000000000000000000000000"

// replicationInfo is INFO replication: Redis's fields, then the NADB
// statistics. good is min_slaves_good_slaves, shown after
// connected_slaves when goodOK, as Redis does while min-replicas-to-write
// is on.
func replicationInfo(st node.Status, priority string, good int, goodOK bool) [][2]string {
	var out [][2]string
	if p := st.Primary; p != nil {
		out = primaryInfo(st, p)
	} else {
		out = secondaryInfo(st, st.Secondary, priority)
	}
	if !goodOK {
		return out
	}
	for i, kv := range out {
		if kv[0] == "connected_slaves" {
			return slices.Insert(out, i+1, [2]string{"min_slaves_good_slaves", strconv.Itoa(good)})
		}
	}
	return out
}

func primaryInfo(st node.Status, p *node.PrimaryStatus) [][2]string {
	out := [][2]string{{"role", "master"}, {"connected_slaves", strconv.Itoa(len(p.Replicas))}}
	for i, r := range p.Replicas {
		out = append(out, [2]string{"slave" + strconv.Itoa(i), fmt.Sprintf("ip=%s,port=%d,state=%s,offset=%d,lag=%d",
			r.IP, r.Port, r.State, r.Acked, int64(r.AckAge/time.Second))})
	}
	replID2, offset2 := noReplID, "-1"
	if p.ReplID2 != "" {
		replID2, offset2 = p.ReplID2, u64(p.Offset2)
	}
	// Without a backlog yet (no secondary ever asked), Redis shows 0 for
	// all three.
	active := p.BacklogSize > 0 && p.BacklogActive
	histlen, first := uint64(0), uint64(0)
	if active {
		first = p.BacklogFirst
		if p.Sequence+1 > first {
			histlen = p.Sequence + 1 - first
		}
	}
	out = append(out,
		[2]string{"master_failover_state", "no-failover"},
		[2]string{"master_replid", p.ReplID},
		[2]string{"master_replid2", replID2},
		[2]string{"master_repl_offset", u64(p.Sequence)},
		[2]string{"second_repl_offset", offset2},
		[2]string{"repl_backlog_active", b01(active)},
		[2]string{"repl_backlog_size", strconv.Itoa(p.BacklogSize)},
		[2]string{"repl_backlog_first_byte_offset", u64(first)},
		[2]string{"repl_backlog_histlen", u64(histlen)},
	)
	if p.BacklogSize == 0 { // a server without a node
		return out
	}
	out = append(out,
		[2]string{"nadb_role", "primary"},
		[2]string{"nadb_repl_listen_host", st.ListenHost},
		[2]string{"nadb_repl_listen_port", strconv.Itoa(st.ListenPort)},
		[2]string{"nadb_sequence", u64(p.Sequence)},
		[2]string{"nadb_replicas", strconv.Itoa(len(p.Replicas))},
		[2]string{"nadb_output_limit_disconnections", i64(p.OutputLimitDrops)},
	)
	for i, r := range p.Replicas {
		out = append(out, [2]string{"nadb_replica" + strconv.Itoa(i), fmt.Sprintf(
			"id=%d,addr=%s,port=%d,ops_sent=%d,bytes_sent=%d,acked_seq=%d,verified_seq=%d,lag_ops=%d,lag_ms=%d,legacy=%s",
			r.ID, r.Addr, r.Port, r.OpsSent, r.BytesSent, r.Acked, r.Verified, r.LagOps, r.LagMs, b01(r.Legacy))})
	}
	return append(out, listenerInfo(st)...)
}

func secondaryInfo(st node.Status, s *node.SecondaryStatus, priority string) [][2]string {
	replID := s.ReplID
	if replID == "" {
		replID = noReplID
	}
	link := "down"
	if s.LinkUp {
		link = "up"
	}
	out := [][2]string{
		{"role", "slave"},
		{"master_host", s.PrimaryHost},
		{"master_port", strconv.Itoa(s.PrimaryPort)},
		{"master_link_status", link},
		{"master_last_io_seconds_ago", secs(s.LastIO)},
		{"master_sync_in_progress", b01(s.Syncing)},
		{"slave_read_repl_offset", u64(s.Applied)},
		{"slave_repl_offset", u64(s.Applied)},
	}
	if s.LinkDown > 0 {
		out = append(out, [2]string{"master_link_down_since_seconds", secs(s.LinkDown)})
	}
	protocol := "nadb-server"
	if s.Legacy {
		protocol = "reference"
	}
	out = append(out,
		[2]string{"slave_priority", priority},
		[2]string{"slave_read_only", "1"},
		[2]string{"replica_announced", "1"},
		[2]string{"connected_slaves", "0"},
		[2]string{"master_failover_state", "no-failover"},
		[2]string{"master_replid", replID},
		[2]string{"master_replid2", noReplID},
		[2]string{"master_repl_offset", u64(s.Applied)},
		[2]string{"second_repl_offset", "-1"},
		[2]string{"nadb_role", "secondary"},
		[2]string{"nadb_repl_listen_host", st.ListenHost},
		[2]string{"nadb_repl_listen_port", strconv.Itoa(st.ListenPort)},
	)
	out = append(out, listenerInfo(st)...)
	return append(out,
		[2]string{"nadb_primary", s.Target},
		[2]string{"nadb_primary_protocol", protocol},
		[2]string{"nadb_connected", b01(s.LinkUp)},
		[2]string{"nadb_operations_received", i64(s.Received)},
		[2]string{"nadb_operations_applied", i64(s.AppliedOps)},
		[2]string{"nadb_frames_received", i64(s.Frames)},
		[2]string{"nadb_last_applied_sequence", u64(s.Applied)},
		[2]string{"nadb_primary_sequence", u64(s.PrimarySeq)},
		[2]string{"nadb_reconnections", i64(s.Reconnections)},
		[2]string{"nadb_connection_attempts", i64(s.Attempts)},
		[2]string{"nadb_seconds_since_last_operation", secs(s.SinceLastOp)},
		[2]string{"nadb_full_syncs", i64(s.FullSyncs)},
		[2]string{"nadb_partial_syncs", i64(s.PartialSyncs)},
		[2]string{"nadb_resyncs", i64(s.Resyncs)},
		[2]string{"nadb_protocol_errors", i64(s.ProtocolErrors)},
		[2]string{"nadb_link_error", sanitize(s.LinkError)},
		[2]string{"nadb_verified_seq", u64(s.VerifiedSeq)},
		[2]string{"nadb_checkpoints_verified", i64(s.CheckpointsVerified)},
		[2]string{"nadb_divergences_detected", i64(s.Divergences)},
		[2]string{"nadb_diverged", b01(s.Diverged)},
	)
}

// listenerInfo is nadb_listener_status and, after a failure,
// nadb_listener_error.
func listenerInfo(st node.Status) [][2]string {
	out := [][2]string{{"nadb_listener_status", string(st.Listener)}}
	if st.ListenErr != nil {
		out = append(out, [2]string{"nadb_listener_error", sanitize(st.ListenErr.Error())})
	}
	return out
}

// roleReply is ROLE's reply in Redis's shapes.
func roleReply(st node.Status) []any {
	if p := st.Primary; p != nil {
		reps := []any{}
		for _, r := range p.Replicas {
			reps = append(reps, []any{r.IP, strconv.Itoa(r.Port), u64(r.Acked)})
		}
		return []any{"master", int64(p.Sequence), reps}
	}
	s := st.Secondary
	state := "connect"
	switch {
	case s.LinkUp:
		state = "connected"
	case s.Syncing:
		state = "sync"
	}
	return []any{"slave", s.PrimaryHost, int64(s.PrimaryPort), state, int64(s.Applied)}
}

// persistenceInfo is INFO persistence's fields after loading.
func persistenceInfo(st node.PersistenceStatus) [][2]string {
	current := func(running bool) string {
		if !running {
			return "-1"
		}
		return secs(st.Running)
	}
	last := func(count int64, took time.Duration) string {
		if count == 0 {
			return "-1"
		}
		return secs(took)
	}
	out := [][2]string{
		{"rdb_changes_since_last_save", u64(st.ChangesSinceSave)},
		{"rdb_bgsave_in_progress", b01(st.SaveInProgress)},
		{"rdb_last_save_time", i64(st.LastSave.Unix())},
		{"rdb_last_bgsave_status", okErr(st.LastSaveOK)},
		{"rdb_last_bgsave_time_sec", last(st.Saves, st.LastSaveTook)},
		{"rdb_current_bgsave_time_sec", current(st.SaveInProgress)},
		{"rdb_saves", i64(st.Saves)},
		{"aof_enabled", b01(st.AOFEnabled)},
		{"aof_rewrite_in_progress", b01(st.RewriteInProgress)},
		{"aof_rewrite_scheduled", b01(st.RewriteScheduled)},
		{"aof_last_rewrite_time_sec", last(st.Rewrites, st.LastRewriteTook)},
		{"aof_current_rewrite_time_sec", current(st.RewriteInProgress)},
		{"aof_last_bgrewrite_status", okErr(st.LastRewriteOK)},
		{"aof_rewrites", i64(st.Rewrites)},
		{"aof_last_write_status", okErr(st.WriteOK)},
	}
	if st.AOFEnabled {
		out = append(out,
			[2]string{"aof_current_size", i64(st.LogBytes)},
			[2]string{"aof_base_size", i64(st.BaseBytes)},
			[2]string{"nadb_log_segments", strconv.Itoa(st.Segments)},
		)
	}
	return out
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }
func i64(v int64) string  { return strconv.FormatInt(v, 10) }

// secs is a duration in whole seconds, -1 for a negative one (never).
func secs(d time.Duration) string {
	if d < 0 {
		return "-1"
	}
	return i64(int64(d / time.Second))
}

func b01(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}
