package benchkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Machine describes the host a benchmark runs on.
type Machine struct {
	CPUs      int    // nproc (runtime.NumCPU when nproc is unavailable)
	CPUModel  string // "model name" of /proc/cpuinfo
	Kernel    string // /proc/sys/kernel/osrelease
	GoVersion string // of this program
}

// DescribeMachine gathers the Machine fields; those it cannot read are
// "unknown".
func DescribeMachine(ctx context.Context) Machine {
	m := Machine{CPUs: runtime.NumCPU(), CPUModel: "unknown", Kernel: "unknown", GoVersion: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	if out, err := exec.CommandContext(ctx, "nproc").Output(); err == nil {
		fmt.Sscan(string(out), &m.CPUs)
	}
	return m
}

// String is the report's machine line, e.g.
// "2 CPUs (nproc), AMD EPYC, Linux 6.1.0, loopback only".
func (m Machine) String() string {
	return fmt.Sprintf("%d CPUs (nproc), %s, Linux %s, loopback only", m.CPUs, m.CPUModel, m.Kernel)
}

// Version returns the trimmed output of "bin --version", or "unknown".
func Version(ctx context.Context, bin string) string {
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
