package integration

import (
	"os/exec"
	"syscall"
)

// setPdeathsig has the kernel kill cmd if the test binary dies without
// running its cleanups (a panic, a -timeout), so no server outlives it.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
