module github.com/assetc/assetc

go 1.26.8

require (
	github.com/andybalholm/brotli v1.2.8 // indirect
	github.com/evanw/esbuild v0.28.2 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	github.com/tdewolff/parse/v2 v2.8.20 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/sys v0.44.0 // indirect
)
