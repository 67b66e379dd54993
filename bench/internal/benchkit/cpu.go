package benchkit

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// CPUSeconds returns the user plus system CPU time of process pid (all its
// threads), from /proc/PID/stat.
func CPUSeconds(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseProcStatCPU(string(data))
}

// ParseProcStatCPU returns utime+stime, in seconds, of a /proc/PID/stat
// line (fields 14 and 15, counted after the command name, which may hold
// spaces and parentheses).
func ParseProcStatCPU(stat string) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat format: no ')'")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat format: %d fields after the name", len(f))
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc stat utime %q, stime %q", f[11], f[12])
	}
	return float64(ut+st) / clockTicks, nil
}

// CPUPerMillion is the CPU seconds spent per million operations.
func CPUPerMillion(before, after float64, ops int) float64 {
	if ops <= 0 {
		return 0
	}
	return (after - before) / (float64(ops) / 1e6)
}

// ServerPID returns the PID whose /proc entry describes the server: the
// process_id reported by INFO server when that process exists (this sees
// through wrapper scripts that do not exec), otherwise the started process.
func ServerPID(p *Process) int {
	if info, err := Command(p.Addr(), 10*time.Second, "INFO", "server"); err == nil {
		if pid, err := strconv.Atoi(ParseInfo(info)["process_id"]); err == nil {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
				return pid
			}
		}
	}
	return p.Pid()
}

// RSSBytes returns VmRSS of pid in bytes.
func RSSBytes(pid int) (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read RSS: %w", err)
	}
	return ParseVmRSS(string(data))
}

// ParseVmRSS returns the VmRSS line of a /proc/PID/status text in bytes.
func ParseVmRSS(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // e.g. ["12345", "kB"]
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", line)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmRSS: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, errors.New("no VmRSS line")
}
