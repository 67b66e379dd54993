package resp

import "errors"

// inProgress is implemented by the errors a Replication's snapshot
// methods return while another snapshot is being written: SaveInProgress
// for one asked for by SAVE or BGSAVE, RewriteInProgress for one asked
// for by BGREWRITEAOF or the automatic rewrite.
type inProgress interface {
	SaveInProgress() bool
	RewriteInProgress() bool
}

// saveRunning and rewriteRunning tell which kind of snapshot err reports
// in progress.
func saveRunning(err error) bool {
	var ip inProgress
	return errors.As(err, &ip) && ip.SaveInProgress()
}

func rewriteRunning(err error) bool {
	var ip inProgress
	return errors.As(err, &ip) && ip.RewriteInProgress()
}

func registerPersistCommands(t commandTable) {
	t.add(command{name: "save", arity: 1, flags: flagNoAsyncLoading | flagAdmin | flagNoScript | flagNoMulti, group: "server", since: "1.0.0", summary: "Synchronously saves the database(s) to disk.", handler: cmdSave})
	t.add(command{name: "bgsave", arity: -1, flags: flagNoAsyncLoading | flagAdmin | flagNoScript, group: "server", since: "1.0.0", summary: "Asynchronously saves the database(s) to disk.", handler: cmdBgSave})
	t.add(command{name: "bgrewriteaof", arity: 1, flags: flagNoAsyncLoading | flagAdmin | flagNoScript, group: "server", since: "1.0.0", summary: "Asynchronously rewrites the append-only file to disk.", handler: cmdBgRewriteAOF})
	t.add(command{name: "lastsave", arity: 1, flags: flagFast | flagStale | flagLoading, group: "server", since: "1.0.0", summary: "Returns the Unix timestamp of the last successful save to disk.", handler: cmdLastSave})
}

// SAVE, BGSAVE and BGREWRITEAOF all write one snapshot of the dataset and
// drop the log it covers (see the replication package's Node.Save); they
// answer as Redis does for an RDB save and an AOF rewrite.

func cmdSave(s *Server, c *client, args [][]byte) {
	switch err := s.persistence().Save(false); {
	case saveRunning(err):
		c.conn.WriteError(errBgSaveInProgress)
	case err != nil:
		c.conn.WriteError(errSaveFailed)
	default:
		okReply(c)
	}
}

func cmdBgSave(s *Server, c *client, args [][]byte) {
	schedule := false
	switch {
	case len(args) == 2 && equalFold(args[1], "schedule"):
		schedule = true
	case len(args) > 1:
		c.conn.WriteError(errSyntax)
		return
	}
	var err error
	scheduled := false
	if schedule {
		scheduled, err = s.persistence().ScheduleSave()
	} else {
		err = s.persistence().Save(true)
	}
	switch {
	case saveRunning(err):
		c.conn.WriteError(errBgSaveInProgress)
	case rewriteRunning(err):
		c.conn.WriteError(errBgSaveDuringRewrite)
	case err != nil:
		c.conn.WriteError(errSaveFailed)
	case scheduled:
		c.conn.WriteString("Background saving scheduled")
	default:
		c.conn.WriteString("Background saving started")
	}
}

func cmdBgRewriteAOF(s *Server, c *client, args [][]byte) {
	switch scheduled, err := s.persistence().Rewrite(); {
	case rewriteRunning(err):
		c.conn.WriteError(errRewriteInProgress)
	case err != nil:
		c.conn.WriteError(errSaveFailed)
	case scheduled:
		c.conn.WriteString("Background append only file rewriting scheduled")
	default:
		c.conn.WriteString("Background append only file rewriting started")
	}
}

func cmdLastSave(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt64(s.persistence().LastSave().Unix())
}
