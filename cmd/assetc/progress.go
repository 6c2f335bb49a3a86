package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress draws a one-line progress display on a terminal, and only for a
// build that takes long enough to need one.
type progress struct {
	w       io.Writer
	enabled bool
	start   time.Time
	mu      sync.Mutex
	last    time.Time
	drawn   bool
}

// progressDelay is how long a build runs before progress is shown.
const progressDelay = 500 * time.Millisecond

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, enabled: !quiet && isTerminal(w), start: time.Now()}
}

func (p *progress) update(stage string, done, total int) {
	if !p.enabled {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.start) < progressDelay || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprintf(p.w, "\r\033[K%s %d/%d files", stage, done, total)
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
