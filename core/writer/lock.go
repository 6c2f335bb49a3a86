package writer

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// acquire takes the output directory's lock, so two builds started at once
// cannot interleave their files. A lock left by a process that no longer
// runs is taken over. A lock held by a running build is waited for, polling,
// up to wait; then the error names the holder.
func (o *output) acquire(wait time.Duration) error {
	deadline := time.Now().Add(wait)
	stale := 0
	for {
		err := createLock(o.lock)
		if err == nil {
			return nil
		}
		if !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("cannot lock the output directory: %w", err)
		}
		data, _ := os.ReadFile(o.lock)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		switch {
		case pid > 0 && processAlive(pid):
			if time.Now().Before(deadline) {
				time.Sleep(lockPoll)
				continue
			}
			waited := ""
			if wait > 0 {
				waited = fmt.Sprintf(" (waited %s)", wait)
			}
			return &LockedError{Dir: o.dir, Lock: o.lock, PID: pid, msg: fmt.Sprintf(
				"another assetc build (pid %d) is writing to %s%s; wait for it to finish, or pass a longer wait (lock: %s)", pid, o.dir, waited, o.lock)}
		}
		if stale++; stale > 2 {
			return fmt.Errorf("cannot lock the output directory %s: remove %s if no build is running", o.dir, o.lock)
		}
		os.Remove(o.lock) // stale: its process is gone
	}
}

// lockAttempts makes the temporary names of concurrent createLock calls
// differ within one process.
var lockAttempts atomic.Int64

// createLock creates the lock file holding this process's pid, or fails
// with an error satisfying errors.Is(err, os.ErrExist). The pid is written
// to a temporary file that is then hard-linked to the lock's name, so the
// lock never exists without its pid: a reader never mistakes a lock being
// taken for a stale one. Where hard links are not available it falls back to
// an exclusive create.
func createLock(lock string) error {
	pid := fmt.Appendf(nil, "%d\n", os.Getpid())
	tmp := fmt.Sprintf("%s.%d-%d%s", lock, os.Getpid(), lockAttempts.Add(1), tmpSuffix)
	if err := os.WriteFile(tmp, pid, 0o644); err == nil {
		err = os.Link(tmp, lock)
		os.Remove(tmp)
		if err == nil || errors.Is(err, os.ErrExist) {
			return err
		}
	}
	f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	f.Write(pid)
	return f.Close()
}

// lockPoll is how often a waiting build looks at the lock again.
const lockPoll = 50 * time.Millisecond

// LockedError says that another build or clean holds an output directory.
type LockedError struct {
	Dir, Lock string
	PID       int
	msg       string
}

func (e *LockedError) Error() string { return e.msg }

func (o *output) close() { os.Remove(o.lock) }
