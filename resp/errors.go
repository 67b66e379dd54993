package resp

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/engine/rdb"
)

// Redis error replies. Every error text the server sends is here or built by
// a function in this file.
const (
	errSyntax         = "ERR syntax error"
	errNotInteger     = "ERR value is not an integer or out of range"
	errNotFloat       = "ERR value is not a valid float"
	errOverflow       = "ERR increment or decrement would overflow"
	errNaNOrInf       = "ERR increment would produce NaN or Infinity"
	errNoSuchKey      = "ERR no such key"
	errDBIndex        = "ERR DB index is out of range"
	errFirstDBIndex   = "ERR invalid first DB index"
	errSecondDBIndex  = "ERR invalid second DB index"
	errSameObject     = "ERR source and destination objects are the same"
	errStringTooLarge = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errWrongType      = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errSortScore      = "ERR One or more scores can't be converted into double"
	errOffsetRange    = "ERR offset is out of range"
	errReadOnly       = "READONLY You can't write against a read only replica."
	errNestedMulti    = "ERR MULTI calls can not be nested"
	errWatchInMulti   = "ERR WATCH inside MULTI is not allowed"
	errExecNoMulti    = "ERR EXEC without MULTI"
	errDiscardNoMulti = "ERR DISCARD without MULTI"
	errExecAbort      = "EXECABORT Transaction discarded because of previous errors."
	errNotInMulti     = "ERR Command not allowed inside a transaction"
	errLoading        = "LOADING Redis is loading the dataset in memory"
	errMasterDown     = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	errNoProto        = "NOPROTO unsupported protocol version"
	errExpireOptions  = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errNoSuchClient   = "ERR No such client"
	// errClusterDisabled answers CLUSTER, READONLY, READWRITE and ASKING.
	errClusterDisabled = "ERR This instance has cluster support disabled"
	errTimeout         = "ERR timeout is not an integer or out of range"
	errTimeoutNegative = "ERR timeout is negative"
	errMaxClients      = "ERR max number of clients reached"
	errProtoBulk       = "ERR Protocol error: invalid bulk length"
	errProtoMultiBulk  = "ERR Protocol error: invalid multibulk length"
	errProtoInline     = "ERR Protocol error: too big inline request"
	// errProtoUnbalancedQuotes answers an inline command with a quote left
	// open, or a closing quote not followed by a space.
	errProtoUnbalancedQuotes = "ERR Protocol error: unbalanced quotes in request"
	errClientName            = "ERR Client names cannot contain spaces, newlines or special characters."
	errClientID              = "ERR Invalid client ID"
	errClientIDNotPositive   = "ERR client-id should be greater than 0"
	// CLIENT TRACKING and CLIENT CACHING.
	errTrackingOneRedirect      = "ERR A client can only redirect to a single other client"
	errTrackingNoRedirect       = "ERR The client ID you want redirect to does not exist"
	errTrackingPrefixNeedsBcast = "ERR PREFIX option requires BCAST mode to be enabled"
	errTrackingSwitchBcast      = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	errTrackingBcastOpt         = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	errTrackingOptInOut         = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	errTrackingSwitchOpt        = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	errCachingNotTracking       = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
	errCachingYes               = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	errCachingNo                = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
	errAuthNoPassword           = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errNoAuth                   = "NOAUTH Authentication required."
	errWrongPass                = "WRONGPASS invalid username-password pair or user is disabled."
	// errHelloNoAuth answers HELLO without AUTH from a client that has not
	// authenticated.
	errHelloNoAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	// errProtoUnauthMultiBulk and errProtoUnauthBulk refuse input above
	// the caps of a client that has not authenticated.
	errProtoUnauthMultiBulk = "ERR Protocol error: unauthenticated multibulk length"
	errProtoUnauthBulk      = "ERR Protocol error: unauthenticated bulk length"
	// errDenied refuses a connection from another host in protected mode.
	errDenied = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."
	// errACLNoUsers refuses the ACL subcommands that would create, change,
	// delete or load users: only the default user exists here.
	errACLNoUsers = "ERR this server has only the default user (requirepass sets its password); ACL users cannot be created, changed, deleted, loaded or saved"
	// errACLDelDefault refuses ACL DELUSER default.
	errACLDelDefault = "ERR The 'default' user cannot be removed"
	// errGenPassBits answers ACL GENPASS with bits out of range.
	errGenPassBits   = "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
	errProtoVersion  = "ERR Protocol version is not an integer or out of range"
	errInvalidCursor = "ERR invalid cursor"
	// Hash command errors.
	errHashNotInteger = "ERR hash value is not an integer"
	errHashNotFloat   = "ERR hash value is not a float"
	errNaNOrInfArg    = "ERR value is NaN or Infinity"
	errValueRange     = "ERR value is out of range"
	errCountRange     = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	// errIntRange: an integer argument read as a C int (a database index)
	// is outside its range.
	errIntRange     = "ERR value is out of range, value must between -2147483648 and 2147483647"
	errGTAndLT      = "ERR GT and LT options at the same time are not compatible"
	errMasterPort   = "ERR Invalid master port"
	errNoShutdown   = "ERR No shutdown in progress."
	errDecrOverflow = "ERR decrement would overflow"
	// The list commands' (t_list.c) and the blocking commands' errors.
	errMustBePositive = "ERR value is out of range, must be positive"
	errRankZero       = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errCountNegative  = "ERR COUNT can't be negative"
	errMaxLenNegative = "ERR MAXLEN can't be negative"
	errNumKeys        = "ERR numkeys should be greater than 0"
	errCountPositive  = "ERR count should be greater than 0"
	errTimeoutFloat   = "ERR timeout is not a float or out of range"
	errUnblockReason  = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
	errUnblocked      = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
	errUnblockedRole  = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
	// errWaitOnReplica answers WAIT on a secondary.
	errWaitOnReplica = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."
	// errBgSaveInProgress answers SAVE and BGSAVE during a snapshot.
	errBgSaveInProgress = "ERR Background save already in progress"
	// errBgSaveDuringRewrite answers BGSAVE (without SCHEDULE) during a
	// BGREWRITEAOF.
	errBgSaveDuringRewrite = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
	// errRewriteInProgress answers BGREWRITEAOF during a BGREWRITEAOF.
	errRewriteInProgress = "ERR Background append only file rewriting already in progress"
	// errSaveFailed is Redis's bare reply to a failed SAVE.
	errSaveFailed = "ERR"
	// errShutdownFailed answers a SHUTDOWN SAVE whose snapshot failed.
	errShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs."
	// errOOM refuses a command flagged denyoom while memory is above
	// maxmemory and the policy could not evict enough.
	errOOM = "OOM command not allowed when used memory > 'maxmemory'."
	// errNotLFU answers OBJECT FREQ when the policy is not an LFU one.
	errNotLFU = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	// errLFU answers OBJECT IDLETIME when the policy is an LFU one.
	errLFU = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// errProtectedCommand refuses DEBUG or a MODULE subcommand that its
// enable-*-command option does not allow the client (family "debug" or
// "module").
func errProtectedCommand(family string) string {
	return "ERR " + strings.ToUpper(family) + " command not allowed. If the enable-" + family +
		"-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
}

// errArity is the reply to a call with the wrong number of arguments. name
// is the command's full name, e.g. "get" or "client|setname".
func errArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// errUnknownCommand echoes the command as typed and up to 128 bytes of
// each of its first arguments, each followed by a space, as Redis does.
func errUnknownCommand(name []byte, args [][]byte) string {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.WriteString(clip(name, 128))
	b.WriteString("', with args beginning with: ")
	// Redis appends 'arg' for each argument while the list is shorter than
	// 128 bytes, clipping each to what is left of those 128.
	var list strings.Builder
	for _, a := range args {
		if list.Len() >= 128 {
			break
		}
		room := 128 - list.Len()
		list.WriteByte('\'')
		list.WriteString(clip(a, room))
		list.WriteString("' ")
	}
	b.WriteString(list.String())
	return sanitize(b.String())
}

// errSubscribedContext refuses a command a client with subscriptions may
// not send.
func errSubscribedContext(name string) string {
	return "ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// errUnknownSubcommand answers an unknown subcommand of container.
func errUnknownSubcommand(container string, sub []byte) string {
	return sanitize("ERR unknown subcommand '" + clip(sub, 128) + "'. Try " + strings.ToUpper(container) + " HELP.")
}

// errMisconf refuses writes while the append-only file cannot be written.
func errMisconf(err error) string {
	return sanitize("MISCONF Errors writing to the AOF file: " + err.Error())
}

// errDiverged refuses a read on a secondary whose dataset a checkpoint
// found different from its primary's, while replica-serve-diverged-data is
// no (an error code of this server: Redis has no such check).
func errDiverged(seq uint64) string {
	return "DIVERGED This replica's data differs from its primary's (found at sequence " + strconv.FormatUint(seq, 10) +
		") and replica-serve-diverged-data is set to 'no'; a full resynchronization is in progress."
}

// errInvalidExpire answers an EX/PX value that is not positive or overflows.
func errInvalidExpire(cmd string) string {
	return "ERR invalid expire time in '" + cmd + "' command"
}

// errUnknownConfig answers CONFIG SET/GET of an option it cannot change.
func errUnknownConfig(name string) string {
	return "ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'"
}

// Errors of Config.Set and ConfigRewriter.Rewrite in Redis's words.
var (
	// ErrOptionNotInteger refuses a value of an integer option that is
	// not an integer.
	ErrOptionNotInteger = errors.New("argument couldn't be parsed into an integer")
	// ErrOptionNotMemory refuses a value of a memory option that is not
	// a size (like 512mb).
	ErrOptionNotMemory = errors.New("argument must be a memory value")
	// ErrNoConfigFile answers CONFIG REWRITE on a server started without
	// a config file.
	ErrNoConfigFile = errors.New("The server is running without a config file")
)

// OptionRangeError refuses a value of an integer option out of its range.
type OptionRangeError struct{ Min, Max int64 }

func (e *OptionRangeError) Error() string {
	return "argument must be between " + strconv.FormatInt(e.Min, 10) + " and " + strconv.FormatInt(e.Max, 10) + " inclusive"
}

// OptionEnumError refuses a value of an option that takes one of a few
// words, listed in Values (in the order Redis lists them).
type OptionEnumError struct{ Values []string }

func (e *OptionEnumError) Error() string {
	if len(e.Values) == 2 && e.Values[0] == "yes" && e.Values[1] == "no" {
		return "argument must be 'yes' or 'no'"
	}
	return "argument(s) must be one of the following: " + strings.Join(e.Values, ", ")
}

// OptionValueError refuses a value with the reason given, which CONFIG SET
// reports as it is (Redis's own words for the options whose check is
// their own, such as notify-keyspace-events).
type OptionValueError struct{ Reason string }

func (e *OptionValueError) Error() string { return e.Reason }

// errConfigRewrite answers a CONFIG REWRITE that failed: Redis's words,
// with the system's reason capitalised as strerror writes it.
func errConfigRewrite(err error) string {
	if errors.Is(err, ErrNoConfigFile) {
		return "ERR " + ErrNoConfigFile.Error()
	}
	reason := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) {
		reason = errno.Error()
	}
	if reason != "" {
		reason = strings.ToUpper(reason[:1]) + reason[1:]
	}
	return sanitize("ERR Rewriting config file: " + reason)
}

// errNoReplicas refuses a write on a primary with fewer good secondaries
// than min-replicas-to-write.
const errNoReplicas = "NOREPLICAS Not enough good replicas to write."

// errExecAbortBecause answers an EXEC refused as a whole: the transaction
// is discarded, as Redis's execCommandAbort says.
func errExecAbortBecause(reason string) string {
	return "EXECABORT Transaction discarded because of: " + reason
}

// errConfigSetRefused answers a CONFIG SET that Config.Set refused, in
// Redis's words.
func errConfigSetRefused(name string, err error) string {
	for _, e := range []error{ErrBufferLimitArgs, ErrBufferLimitClass, ErrBufferLimitValue, ErrOptionNotInteger, ErrOptionNotMemory} {
		if errors.Is(err, e) {
			return errConfigSet(name, e.Error())
		}
	}
	if re := (*OptionRangeError)(nil); errors.As(err, &re) {
		return errConfigSet(name, re.Error())
	}
	if ee := (*OptionEnumError)(nil); errors.As(err, &ee) {
		return errConfigSet(name, ee.Error())
	}
	if ve := (*OptionValueError)(nil); errors.As(err, &ve) {
		return sanitize(errConfigSet(name, ve.Reason))
	}
	switch {
	case errors.Is(err, ErrUnknownOption):
		return errUnknownConfig(name)
	case errors.Is(err, ErrImmutableOption):
		return errConfigSet(name, "can't set immutable config")
	case errors.Is(err, ErrProtectedOption):
		return errConfigSet(name, "can't set protected config")
	case errors.Is(err, ErrDuplicateOption):
		return errConfigSet(name, "duplicate parameter")
	case errors.Is(err, ErrBadOptionValue):
		reason := "argument couldn't be parsed into an integer or a valid value"
		if detail, ok := strings.CutPrefix(err.Error(), ErrBadOptionValue.Error()+": "); ok {
			reason += ": " + detail
		}
		return sanitize(errConfigSet(name, reason))
	}
	return sanitize(errConfigSet(name, err.Error()))
}

// errConfigSet answers a CONFIG SET that was refused for a reason.
func errConfigSet(name, reason string) string {
	return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason
}

// errUnknownACLCategory answers ACL CAT with a category Redis does not have.
func errUnknownACLCategory(cat []byte) string {
	return sanitize("ERR Unknown category '" + clip(cat, 128) + "'")
}

// Refusals of client-output-buffer-limit values, in Redis's words; wrap
// them in the Config.Set error and CONFIG SET answers with the text.
var (
	ErrBufferLimitArgs  = errors.New("Wrong number of arguments in buffer limit configuration.")
	ErrBufferLimitClass = errors.New("Invalid client class specified in buffer limit configuration.")
	ErrBufferLimitValue = errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
)

// errUnrecognizedOption answers CLIENT SETINFO with an attribute Redis does
// not know.
func errUnrecognizedOption(opt []byte) string {
	return sanitize("ERR Unrecognized option '" + clip(opt, 128) + "'")
}

// errClientAttr answers CLIENT SETINFO with a value Redis refuses.
func errClientAttr(attr []byte) string {
	return sanitize("ERR " + strings.ToLower(string(attr)) + " cannot contain spaces, newlines or special characters.")
}

// errClientType answers a CLIENT LIST/KILL TYPE that names no client type.
func errClientType(t []byte) string {
	return sanitize("ERR Unknown client type '" + clip(t, 128) + "'")
}

// errNoSuchUser answers CLIENT KILL USER with a user that does not exist
// (this server has only "default").
func errNoSuchUser(name []byte) string {
	return sanitize("ERR No such user '" + clip(name, 128) + "'")
}

// errHelloOption answers HELLO with an option it does not take.
func errHelloOption(opt []byte) string {
	return sanitize("ERR Syntax error in HELLO option '" + clip(opt, 128) + "'")
}

// errUnsupportedOption answers an EXPIRE-family option Redis does not know.
func errUnsupportedOption(opt []byte) string {
	return sanitize("ERR Unsupported option " + clip(opt, 128))
}

// errProtocol answers a request redcon.ReadNextCommand could not parse; its
// errors read "Protocol error: invalid multibulk length" and so on, as
// Redis's do.
func errProtocol(err error) string {
	return sanitize("ERR " + err.Error())
}

// errProtoExpectedBulk answers a multibulk whose element is not a bulk
// string.
func errProtoExpectedBulk(got byte) string {
	return "ERR Protocol error: expected '$', got '" + sanitize(string([]byte{got})) + "'"
}

func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// sanitize keeps an error on one line: RESP errors cannot hold CR or LF.
func sanitize(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// errMigrateTarget is MIGRATE's error when the target refused a command:
// its error line, without the '-'.
func errMigrateTarget(line string) string {
	return sanitize("ERR Target instance replied with error: " + line)
}

// errorText turns an engine sentinel error into its Redis reply.
func errorText(err error) string {
	switch {
	case errors.Is(err, engine.ErrNotInteger):
		return errNotInteger
	case errors.Is(err, engine.ErrNotFloat):
		return errNotFloat
	case errors.Is(err, engine.ErrOverflow):
		return errOverflow
	case errors.Is(err, engine.ErrNaNOrInf):
		return errNaNOrInf
	case errors.Is(err, engine.ErrNoSuchKey):
		return errNoSuchKey
	case errors.Is(err, engine.ErrDBIndex):
		return errDBIndex
	case errors.Is(err, engine.ErrSameObject):
		return errSameObject
	case errors.Is(err, engine.ErrTooLarge):
		return errStringTooLarge
	case errors.Is(err, engine.ErrWrongType):
		return errWrongType
	case errors.Is(err, engine.ErrSortScore):
		return errSortScore
	case errors.Is(err, engine.ErrHashNotInteger):
		return errHashNotInteger
	case errors.Is(err, engine.ErrHashNotFloat):
		return errHashNotFloat
	case errors.Is(err, engine.ErrInfArg):
		return errNaNOrInfArg
	case errors.Is(err, engine.ErrOOM):
		return errOOM
	case errors.Is(err, engine.ErrNotLFU):
		return errNotLFU
	case errors.Is(err, engine.ErrLFU):
		return errLFU
	case errors.Is(err, engine.ErrNotHLL):
		return errNotHLL
	case errors.Is(err, engine.ErrInvalidHLL):
		return errInvalidHLL
	case errors.Is(err, engine.ErrStreamIDSmall):
		return errXAddSmall
	case errors.Is(err, engine.ErrStreamExhausted):
		return errStreamExhausted
	case errors.Is(err, engine.ErrStreamSeqExhausted):
		return errXAddTooLarge
	case errors.Is(err, engine.ErrSetIDSmall):
		return errXSetIDSmall
	case errors.Is(err, engine.ErrSetIDAdded):
		return errXSetIDAdded
	case errors.Is(err, engine.ErrSetIDMaxDel):
		return errXSetIDMaxDel
	case errors.Is(err, rdb.ErrPayload):
		return errDumpPayload
	case errors.Is(err, rdb.ErrBadData), errors.Is(err, engine.ErrBadValue):
		return errBadDataFormat
	case errors.Is(err, engine.ErrBusyKey):
		return errBusyKey
	}
	return sanitize("ERR " + err.Error())
}

// Errors of the stream commands (t_stream.c).
const (
	errStreamID             = "ERR Invalid stream ID specified as stream command argument"
	errXAddZero             = "ERR The ID specified in XADD must be greater than 0-0"
	errXAddTooLarge         = "ERR Elements are too large to be stored"
	errXAddSmall            = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errStreamExhausted      = "ERR The stream has exhausted the last possible ID, unable to add more items"
	errTrimBoth             = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	errTrimLimit            = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	errTrimNoStrategy       = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	errXTrimNoStrategy      = "ERR syntax error, XTRIM must be called with a trimming strategy"
	errStreamMaxLen         = "ERR The MAXLEN argument must be >= 0."
	errStreamLimit          = "ERR The LIMIT argument must be >= 0."
	errStreamStartID        = "ERR invalid start ID for the interval"
	errStreamEndID          = "ERR invalid end ID for the interval"
	errXSetIDSmall          = "ERR The ID specified in XSETID is smaller than the target stream top item"
	errXSetIDAdded          = "ERR The entries_added specified in XSETID is smaller than the target stream length"
	errXSetIDMaxDel         = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
	errEntriesAddedNegative = "ERR entries_added must be positive"
	errXReadUnbalanced      = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
	errXReadGreater         = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
)

// errNoGroup answers a consumer group that does not exist.
func errNoGroup(group, key []byte) string {
	return "NOGROUP No such consumer group '" + string(group) + "' for key name '" + string(key) + "'"
}

// Errors of the scripting commands: Redis's texts, but for
// errScriptDebugUnsupported (a text of this server, which has no script
// debugger).
const (
	errScriptDebugUnsupported = "ERR the script debugger (SCRIPT DEBUG YES or SYNC) is not supported by this server"
	errNoScript               = "NOSCRIPT No matching script. Please use EVAL."
	errFunctionNotFound       = "ERR Function not found"
	errBadNumKeys             = "ERR Bad number of keys provided"
	errLibraryNotFound        = "ERR Library not found"
	errNotBusy                = "NOTBUSY No scripts in execution right now."
	errBusyScript             = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyFunction           = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	errUnkillable             = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	// The errors a script's redis.call gets before its command runs.
	errScriptUnknownCommand = "ERR Unknown Redis command called from script"
	errScriptArity          = "ERR Wrong number of args calling Redis command from script"
	errScriptNotAllowed     = "ERR This Redis command is not allowed from script"
	errScriptReadOnly       = "ERR Write commands are not allowed from read-only scripts."
	errScriptStale          = "ERR Can not execute the command on a stale replica"
	errScriptWriteFlagRO    = "ERR Can not execute a script with write flag using *_ro command."
	errScriptACLCheck       = "ERR Invalid command passed to redis.acl_check_cmd()"
	errNumKeysTooMany       = "ERR Number of keys can't be greater than number of args"
	errNumKeysNegative      = "ERR Number of keys can't be negative"
	errScriptFlushMode      = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
	errFunctionFlushMode    = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	errScriptDebugMode      = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
	errLibraryNameMissing   = "ERR library name argument was not given"
	errDumpPayload          = "ERR DUMP payload version or checksum are wrong"
	errBadDataFormat        = "ERR Bad data format"
	errBusyKey              = "BUSYKEY Target key name already exists."
	errRestoreTTL           = "ERR Invalid TTL value, must be >= 0"
	errRestoreIdle          = "ERR Invalid IDLETIME value, must be >= 0"
	errRestoreFreq          = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	errModuleLoad           = "ERR Error loading the extension. Please check the server logs."
	errModuleUnload         = "ERR Error unloading module: no such module with that name"
	errGetKeysCommand       = "ERR Invalid command specified"
	errGetKeysNoKeys        = "ERR The command has no key arguments"
	errGetKeysArity         = "ERR Invalid number of arguments specified for command"
	errGetKeysInvalid       = "ERR Invalid arguments specified for command"
	errMigrateKeys          = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
	errMigrateWrite         = "IOERR error or timeout writing to target instance"
	errMigrateRead          = "IOERR error or timeout reading to target instance"
	errRestorePolicy        = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
)

// errUnknownArgument answers FUNCTION LIST with an argument it does not
// take.
func errUnknownArgument(arg []byte) string {
	return sanitize("ERR Unknown argument " + string(arg))
}

// errUnknownLoadOption answers FUNCTION LOAD with an option it does not
// take.
func errUnknownLoadOption(arg []byte) string {
	return sanitize("ERR Unknown option given: " + string(arg))
}

// errSlowlogCount answers a SLOWLOG GET count that is not an integer of
// at least -1.
const errSlowlogCount = "ERR count should be greater than or equal to -1"

// errSubcommandSyntax answers a subcommand given more arguments than it
// takes, when Redis checks them in the subcommand rather than by arity;
// sub is echoed as typed.
// errLatencyNoSamples answers LATENCY GRAPH of an event without samples.
func errLatencyNoSamples(event []byte) string {
	return sanitize("ERR No samples available for event '" + string(event) + "'")
}

// errTrackingPrefixOverlapsExisting refuses a BCAST prefix p that
// overlaps q, one the client tracks already.
func errTrackingPrefixOverlapsExisting(p, q string) string {
	return "ERR Prefix '" + p + "' overlaps with an existing prefix '" + q + "'. Prefixes for a single client must not overlap."
}

// errTrackingPrefixOverlapsGiven refuses two BCAST prefixes of one CLIENT
// TRACKING that overlap.
func errTrackingPrefixOverlapsGiven(p, q string) string {
	return "ERR Prefix '" + p + "' overlaps with another provided prefix '" + q + "'. Prefixes for a single client must not overlap."
}

func errSubcommandSyntax(container string, sub []byte) string {
	return sanitize("ERR unknown subcommand or wrong number of arguments for '" + clip(sub, 128) + "'. Try " + strings.ToUpper(container) + " HELP.")
}

// Errors of LCS.
const (
	errLCSLenAndIdx = "ERR If you want both the length and indexes, please just use IDX."
	errLCSMemory    = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
	// errLCSNotStrings is LCS's own reply to a key of another type.
	errLCSNotStrings = "ERR The specified keys must contain string values"
)

// Errors of the bitmap and HyperLogLog commands.
const (
	errBitOffset        = "ERR bit offset is not an integer or out of range"
	errBitValue         = "ERR bit is not an integer or out of range"
	errBitArg           = "ERR The bit argument must be 1 or 0."
	errBitOpNot         = "ERR BITOP NOT must be called with a single source key."
	errBitFieldType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitFieldOverflow = "ERR Invalid OVERFLOW type specified"
	errBitFieldRO       = "ERR BITFIELD_RO only supports the GET subcommand"
	errNotHLL           = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errInvalidHLL       = "INVALIDOBJ Corrupted HLL object detected"
)

// Errors of the set commands.
const (
	errNumKeysZero   = "ERR numkeys should be greater than 0"
	errLimitNegative = "ERR LIMIT can't be negative"
)

// errACLUserNotFound answers ACL DRYRUN for a user that does not exist.
func errACLUserNotFound(name []byte) string {
	return sanitize("ERR User '" + string(name) + "' not found")
}

// errACLCommandNotFound answers ACL DRYRUN for a command that does not
// exist.
func errACLCommandNotFound(name []byte) string {
	return sanitize("ERR Command '" + string(name) + "' not found")
}
