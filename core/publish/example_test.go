package publish_test

import (
	"context"
	"fmt"
	"log"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/publish"
)

// Publishing the static files of one directory to a MinIO (or R2, B2,
// SeaweedFS) bucket, credentials from the standard AWS chain.
func Example() {
	ctx := context.Background()
	project, err := core.NewProject(core.OSFileSystem{}, core.Config{Roots: []core.Root{{Dir: "static"}}})
	if err != nil {
		log.Fatal(err)
	}
	plan, err := project.Plan(core.PlanOptions{})
	if err != nil {
		log.Fatal(err)
	}
	client, err := publish.NewClient(ctx, publish.ClientOptions{Endpoint: "http://127.0.0.1:9000", PathStyle: true})
	if err != nil {
		log.Fatal(err)
	}
	bucket := publish.Bucket{Client: client, Name: "assets", Prefix: "static/"}
	result, err := publish.Publish(ctx, bucket, plan, publish.Options{Compress: compress.Options{Encodings: []string{compress.Brotli, compress.Gzip}}})
	if err != nil {
		log.Fatal(err) // a *core.DiagnosticsError when the sources have errors
	}
	fmt.Printf("%d uploaded, %d already there, %d requests\n", result.Uploaded, result.Present, result.Requests)
}
