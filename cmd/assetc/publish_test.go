package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/assetc/assetc/internal/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// TestPublishAndCleanCommands runs the CLI against a real S3 server: the
// flags reach the bucket, a second publish has nothing to do and says so,
// and clean on s3:// keeps the live release.
func TestPublishAndCleanCommands(t *testing.T) {
	server := s3test.Shared(t)
	bucket := server.Bucket(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "assetc-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "assetc-test-secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	src := tree(t, map[string]string{
		"css/a.css": "body { background: url(../img/b.svg) }\n" + strings.Repeat("/* pad */\n", 100),
		"img/b.svg": "<svg/>",
	})
	to := "s3://" + bucket + "/static"
	args := []string{"publish", "-s", src, "-o", to, "--endpoint", server.Endpoint, "--path-style", "--compress", "gzip", "--json"}
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("publish: exit %d\n%s%s", code, stdout, stderr)
	}
	var first struct {
		OK           bool     `json:"ok"`
		Uploaded     int      `json:"uploaded"`
		Requests     int      `json:"requests"`
		UploadedKeys []string `json:"uploaded_keys"`
	}
	if err := json.Unmarshal([]byte(stdout), &first); err != nil || !first.OK || first.Uploaded < 5 {
		t.Fatalf("publish --json: %v\n%s", err, stdout)
	}
	code, stdout, _ = runCLI(t, args[:len(args)-1]...)
	if code != 0 || !strings.Contains(stdout, "0 uploaded") || !strings.Contains(stdout, "; 2 requests") {
		t.Errorf("second publish: exit %d, %s", code, stdout)
	}
	// build -o s3://… is publish: nothing new to upload either.
	build := append([]string{"build"}, args[1:len(args)-1]...)
	if code, stdout, _ := runCLI(t, build...); code != 0 || !strings.Contains(stdout, "0 uploaded") {
		t.Errorf("build -o %s: exit %d, %s", to, code, stdout)
	}
	code, stdout, stderr = runCLI(t, "clean", "-o", to, "--endpoint", server.Endpoint, "--path-style", "--keep", "1", "--older-than", "0", "--dry-run")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "would remove 0 objects") {
		t.Errorf("clean: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "publish", "-s", src, "-o", "s3://no-such-bucket/static", "--endpoint", server.Endpoint, "--path-style")
	if code != exitDiagnostics || !strings.Contains(stderr, `bucket "no-such-bucket" does not exist: create it`) {
		t.Errorf("publish to a missing bucket: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "publish", "-s", src, "-o", "staticfiles"); code != exitUsage || !strings.Contains(stderr, "s3://BUCKET/PREFIX") {
		t.Errorf("publish to a directory: exit %d, %s", code, stderr)
	}
}

func TestOutputArg(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-s", "static", "-o", "s3://b/p"}, "s3://b/p"},
		{[]string{"--output", "out", "-s", "x"}, "out"},
		{[]string{"--output=s3://b/"}, "s3://b/"},
		{[]string{"-os3://b/"}, "s3://b/"},
		{[]string{"-o=out"}, "out"},
		{[]string{"-o", "a", "-o", "b"}, "b"},
		{[]string{"-s", "static"}, ""},
		{[]string{"--", "-o", "x"}, ""},
	} {
		if got := outputArg(tc.args); got != tc.want {
			t.Errorf("outputArg(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
