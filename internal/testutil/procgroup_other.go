//go:build !unix

package testutil

import "os/exec"

// ownGroup does nothing where there are no process groups (nor strongSwan).
func ownGroup(cmd *exec.Cmd) {}
