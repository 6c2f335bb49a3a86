package publish

// StopAt returns opts with a hook that stops a publish before its step
// named name (after skip earlier arrivals there), as a kill would.
func StopAt(opts Options, name string, skip int, err error) Options {
	opts.step = func(step string) error {
		if step != name {
			return nil
		}
		if skip > 0 {
			skip--
			return nil
		}
		return err
	}
	return opts
}
