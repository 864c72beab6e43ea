package gateway_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// modelPath is a tiny random-weight multilingual Whisper model (real
// vocabulary size, 64-wide single layers) written once for the package:
// multilingual so that translations run.
var modelPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gateway-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	modelPath = filepath.Join(dir, "random-64x1-multilingual.bin")
	if err := writeModel(modelPath); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 0
	func() {
		defer os.RemoveAll(dir)
		defer func() {
			if code == 0 {
				if err := goleak.Find(
					// minio-go's and the SDK's transports keep idle keep-alive connections.
					goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
					goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
					goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
				); err != nil {
					fmt.Fprintln(os.Stderr, "goleak:", err)
					code = 1
				}
			}
		}()
		code = m.Run()
	}()
	os.Exit(code)
}

func writeModel(path string) error {
	d := whispertest.Dims{NVocab: 51865, NAudioCtx: 1500, NAudioState: 64, NAudioHead: 2, NAudioLayer: 1,
		NTextCtx: 448, NTextState: 64, NTextHead: 2, NTextLayer: 1, NMels: 80}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := whispertest.WriteModel(f, whispertest.SyntheticHeader(d), d, ggml.F32, whispertest.RandomValue); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
