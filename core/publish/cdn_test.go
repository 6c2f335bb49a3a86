package publish_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/assetc/assetc/core/publish"
	"github.com/assetc/assetc/internal/s3test"
)

// cdn is nginx with proxy_cache in front of the S3 endpoint, standing in
// for a CDN: it caches 200s as the objects' Cache-Control says, and 404s
// for a minute as CDNs do by default (negative caching), so a request for
// a key that is not there yet would poison the cache.
type cdn struct {
	url string
	log string
}

func startCDN(t *testing.T, origin string) cdn {
	t.Helper()
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/nginx"); err != nil {
			t.Skip("nginx is not installed (Debian: apt-get install nginx-light; .ci/run does)")
		}
		nginx = "/usr/sbin/nginx"
	}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 256; }
http {
  access_log %[1]s/access.log;
  log_format cdn '$status $upstream_cache_status $uri';
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  proxy_cache_path %[1]s/cache keys_zone=cdn:1m;
  server {
    listen 127.0.0.1:%[2]d;
    access_log %[1]s/cdn.log cdn;
    location / {
      proxy_pass %[3]s;
      proxy_cache cdn;
      proxy_cache_valid 404 1m;
      add_header X-Cache $upstream_cache_status;
    }
  }
}
`, dir, port, origin)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-c", confPath, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	cmd.SysProcAttr = s3test.SysProcAttr()
	if out, err := os.Create(filepath.Join(dir, "stderr.log")); err == nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	c := cdn{url: fmt.Sprintf("http://127.0.0.1:%d", port), log: filepath.Join(dir, "cdn.log")}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if conn, err := net.Dial("tcp", c.url[len("http://"):]); err == nil {
			conn.Close()
			return c
		}
		if time.Since(start) > 30*time.Second {
			data, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not start: %s", data)
		}
	}
}

var cssRef = regexp.MustCompile(`url\("?([^")]+)"?\)`)

// page is what a page rendered from one manifest loads: every hashed URL
// and what its CSS refers to.
func (c cdn) page(t *testing.T, base string, manifest map[string]string) map[string]int {
	t.Helper()
	statuses := map[string]int{}
	get := func(rel string) []byte {
		resp, err := http.Get(c.url + base + rel)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		statuses[rel] = resp.StatusCode
		return body
	}
	for _, hashed := range manifest {
		body := get(hashed)
		if strings.HasSuffix(hashed, ".css") {
			for _, m := range cssRef.FindAllStringSubmatch(string(body), -1) {
				get(path.Join(path.Dir(hashed), m[1]))
			}
		}
	}
	return statuses
}

// manifest reads staticfiles.json through the CDN.
func (c cdn) manifest(t *testing.T, base string) map[string]string {
	t.Helper()
	resp, err := http.Get(c.url + base + "staticfiles.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil
	}
	var m struct {
		Paths map[string]string `json:"paths"`
	}
	json.NewDecoder(resp.Body).Decode(&m)
	return m.Paths
}

// TestRollingDeployThroughCDN publishes v1, loads its pages through a
// caching proxy, then publishes v2 while pages keep being rendered from
// whatever manifest the CDN serves: every asset of both versions loads 200
// throughout, and no 404 ever reaches (or is cached by) the CDN.
func TestRollingDeployThroughCDN(t *testing.T) {
	f := newFixture(t)
	c := startCDN(t, f.server.Endpoint)
	base := "/" + f.bucket.Name + "/" + f.bucket.Prefix
	root := t.TempDir()
	writeRelease(t, root, 0)
	v1 := plan(t, filepath.ToSlash(root))
	f.publish(t, v1, publish.Options{Compress: gzipOnly})
	for rel, status := range c.page(t, base, c.manifest(t, base)) {
		if status != 200 {
			t.Fatalf("v1 page: %s is %d", rel, status)
		}
	}

	writeRelease(t, root, 4)
	v2 := plan(t, filepath.ToSlash(root))
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		if _, err := publish.Publish(context.Background(), f.bucket, v2, publish.Options{Workers: 2, Compress: gzipOnly}); err != nil {
			t.Error(err)
		}
	})
	renders := 0
	for running := true; running; renders++ {
		select {
		case <-done:
			running = false
		default:
		}
		for rel, status := range c.page(t, base, c.manifest(t, base)) {
			if status != 200 {
				t.Errorf("a page rendered during the deploy: %s is %d", rel, status)
			}
		}
	}
	wg.Wait()
	for name, m := range map[string]map[string]string{"v1": v1.Manifest, "v2": v2.Manifest} {
		for rel, status := range c.page(t, base, m) {
			if status != 200 {
				t.Errorf("%s page after the deploy: %s is %d", name, rel, status)
			}
		}
	}
	if m := c.manifest(t, base); m["css/site.css"] != v2.Manifest["css/site.css"] {
		t.Error("the CDN does not serve v2's manifest after the deploy")
	}
	log, err := os.ReadFile(c.log)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(log), "404 ") {
		t.Errorf("the CDN saw a 404:\n%s", log)
	}
	if !strings.Contains(string(log), "200 HIT") {
		t.Error("the CDN cached nothing: the test checked no caching")
	}
	t.Logf("%d pages rendered during the deploy", renders)
}
