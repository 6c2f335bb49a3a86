// Package s3test runs a real S3-compatible server for tests: SeaweedFS,
// built once by testdata/s3/seaweedfs.sh and found through $ASSETC_WEED.
// Tests skip, saying why, when the binary is absent, unless
// ASSETC_REQUIRE_S3=1 (make test sets it once the script has built it).
package s3test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/assetc/assetc/core/publish"
)

// Server is a running SeaweedFS with its S3 gateway on 127.0.0.1.
type Server struct {
	// Endpoint is the S3 gateway's URL.
	Endpoint string
	cmd      *exec.Cmd
	exited   chan struct{}
	log      string
}

// Credentials are what the tests sign with: a server without an identity
// configuration accepts any.
var Credentials = credentials.NewStaticCredentialsProvider("assetc-test", "assetc-test-secret", "")

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
)

// Binary returns the SeaweedFS binary, or skips t (fails it when
// ASSETC_REQUIRE_S3=1).
func Binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("ASSETC_WEED")
	why := ""
	if bin == "" {
		why = "ASSETC_WEED is not set"
	} else if info, err := os.Stat(bin); err != nil || info.IsDir() {
		why = fmt.Sprintf("%s is not built", bin)
	}
	if why == "" {
		return bin
	}
	why += " (testdata/s3/seaweedfs.sh builds SeaweedFS once, several CPU-minutes; make test does it)"
	if os.Getenv("ASSETC_REQUIRE_S3") == "1" {
		t.Fatalf("ASSETC_REQUIRE_S3=1 but %s", why)
	}
	t.Skip("no S3 server: " + why)
	return ""
}

// Shared returns the package's server, started on first use; Main stops
// it. Tests keep apart by using buckets of their own (Bucket).
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	sharedOnce.Do(func() { shared, sharedErr = Start(bin) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// Main runs a package's tests and stops the shared server, if one started.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// freePorts reserves n distinct free ports on 127.0.0.1. They are released
// before the server binds them; another process taking one in between
// makes Start fail, not a test pass.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Start runs `weed server` with a master, a volume server, a filer and the
// S3 gateway, every port free and on 127.0.0.1, data in a new temporary
// directory, and waits until S3 answers (at most a minute).
func Start(bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "assetc-seaweedfs-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(8)
	if err != nil {
		return nil, err
	}
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	args := []string{
		"server", "-dir=" + dir, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + p(0), "-master.port.grpc=" + p(1),
		"-volume.port=" + p(2), "-volume.port.grpc=" + p(3),
		"-filer", "-filer.port=" + p(4), "-filer.port.grpc=" + p(5),
		"-s3", "-s3.port=" + p(6), "-s3.port.grpc=" + p(7),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.iam=false",
		"-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=50",
	}
	logPath := filepath.Join(dir, "weed.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir // it reads security.toml and the like from here
	// SeaweedFS makes AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY an identity
	// (and then checks signatures against it): the server runs without them.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = SysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("cannot start %s: %w", bin, err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + p(6), cmd: cmd, exited: make(chan struct{}), log: logPath}
	go func() {
		cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	if err := s.waitReady(time.Minute); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls until the gateway lists buckets.
func (s *Server) waitReady(limit time.Duration) error {
	client := s.rawClient()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := client.ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			log, _ := os.ReadFile(s.log)
			return fmt.Errorf("weed server exited: %s", tail(log))
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(s.log)
			return fmt.Errorf("weed server did not answer S3 within %s (%v): %s", limit, err, tail(log))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func (s *Server) rawClient() *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true,
		Credentials: Credentials, HTTPClient: &http.Client{Timeout: 30 * time.Second},
	})
}

// Stop ends the server by its PID (SIGTERM, then SIGKILL after ten
// seconds) and removes its data.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	}
	os.RemoveAll(filepath.Dir(s.log))
}

// Client returns a counting client of the server.
func (s *Server) Client(t testing.TB) *publish.Client {
	t.Helper()
	c, err := publish.NewClient(context.Background(), publish.ClientOptions{
		Endpoint: s.Endpoint, PathStyle: true, Region: "us-east-1", Credentials: Credentials,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var bucketCount struct {
	sync.Mutex
	n int
}

// Bucket creates a new, empty bucket for one test and returns its name.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	bucketCount.Lock()
	bucketCount.n++
	name := fmt.Sprintf("assetc-test-%d-%d", os.Getpid(), bucketCount.n)
	bucketCount.Unlock()
	if _, err := s.rawClient().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("cannot create bucket %s: %v", name, err)
	}
	return name
}
