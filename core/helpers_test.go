package core_test

import (
	"testing"

	"github.com/assetc/assetc/core"
)

func newProject(t testing.TB, cfg core.Config) *core.Project {
	t.Helper()
	p, err := core.NewProject(core.OSFileSystem{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
