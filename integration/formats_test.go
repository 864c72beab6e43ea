package integration

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/xdna-worker/xdna-worker/job"
)

// formatFiles are committed test files of the audio packages, by what
// decodes them: the built-in decoders, or only ffmpeg.
var (
	builtIn = []string{
		"mp3/testdata/vbr_v5_48k_stereo.mp3",
		"flac/testdata/s16-44k-stereo.flac",
		"vorbis/testdata/q5-44k-stereo.ogg",
		"opus/testdata/hybrid_32k_stereo.opus",
		"mkv/testdata/opus_mono.webm",
		"mp4/testdata/aac-stereo44k.m4a",
		"aac/testdata/stereo48k-96k.aac",
	}
	ffmpegOnly = []string{"testdata/tone.aiff", "testdata/tone.wma", "testdata/tone-alac.m4a"}
)

// TestWorkerImagesDecode runs each worker image on every format: the
// FROM-scratch image decodes the built-in formats and fails the others with
// unsupported_format naming FFMPEG_PATH; the image with ffmpeg decodes
// them all.
func TestWorkerImagesDecode(t *testing.T) {
	requireDocker(t)
	requireImage(t, ffmpegImage)
	for _, tc := range []struct {
		image     string
		hasFFmpeg bool
	}{{workerImage, false}, {ffmpegImage, true}} {
		t.Run(tc.image, func(t *testing.T) {
			c := NewCluster(t, Options{Workers: 1, WorkerImage: tc.image})
			ctx := context.Background()
			var ids []string
			want := map[string]bool{} // job → should succeed
			for i, f := range append(append([]string(nil), builtIn...), ffmpegOnly...) {
				data, err := os.ReadFile(filepath.Join("..", "audio", f))
				if err != nil {
					t.Fatal(err)
				}
				key := "formats/" + filepath.Base(f)
				if err := c.Store().Put(ctx, c.Audio.Bucket, key, bytes.NewReader(data), int64(len(data)), "application/octet-stream"); err != nil {
					t.Fatal(err)
				}
				id := JobIDs("fmt", len(builtIn)+len(ffmpegOnly))[i]
				if err := c.Pub.Submit(ctx, &job.Job{ID: id, Audio: job.ObjectRef{Bucket: c.Audio.Bucket, Key: key}}); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
				want[id] = i < len(builtIn) || tc.hasFFmpeg
			}
			res := c.AwaitResults("fmt", len(ids), 2*time.Minute)
			for _, id := range ids {
				rs := res[id]
				if len(rs) == 0 {
					t.Fatalf("%s: no result", id)
				}
				r := rs[len(rs)-1]
				switch {
				case want[id] && (r.Status != job.StatusSucceeded || r.DurationS < 0.4):
					t.Errorf("%s: %+v %+v", id, r.Status, r.Error)
				case !want[id] && (r.Error == nil || r.Error.Code != job.CodeUnsupportedFormat || !strings.Contains(r.Error.Message, "FFMPEG_PATH")):
					t.Errorf("%s without ffmpeg: %+v, want unsupported_format naming FFMPEG_PATH", id, r.Error)
				}
			}
		})
	}
}

// requireImage skips the test (fails it under CI) when a local image is
// missing.
func requireImage(t *testing.T, image string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dc, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	if _, err := dc.ImageInspect(ctx, image); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("integration: image %s missing (make images builds it where ffmpeg is installed)", image)
		}
		t.Skipf("integration: image %s missing: install ffmpeg and run make images", image)
	}
}
