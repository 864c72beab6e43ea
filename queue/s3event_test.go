package queue

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/xdna-worker/xdna-worker/job"
)

// minioEvent is the shape MinIO publishes (event.Log: EventName, Key,
// Records), as captured from the MinIO this repository tests with.
const minioEvent = `{"EventName":"s3:ObjectCreated:Put","Key":"audio/2026/11/call+0001.mp3","Records":[{"eventVersion":"2.0","eventSource":"minio:s3","awsRegion":"","eventTime":"2026-11-30T10:00:00.000Z","eventName":"s3:ObjectCreated:Put","userIdentity":{"principalId":"minio"},"requestParameters":{"sourceIPAddress":"127.0.0.1"},"responseElements":{},"s3":{"s3SchemaVersion":"1.0","configurationId":"Config","bucket":{"name":"audio","ownerIdentity":{"principalId":"minio"},"arn":"arn:aws:s3:::audio"},"object":{"key":"2026%2F11%2Fcall+0001.mp3","size":48213,"eTag":"9b2cf535f27731c974343645a3985328","contentType":"audio/mpeg","userMetadata":{"content-type":"audio/mpeg"},"sequencer":"187C5D0A1B2C3D4E"}},"source":{"host":"127.0.0.1","port":"","userAgent":"MinIO (linux; amd64) minio-go/v7.4.1"}}]}`

// awsEvent is AWS S3's documented shape (no EventName at the top, a
// version id, an ETag in quotes is also seen from some bridges).
const awsEvent = `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1","eventTime":"2026-11-30T10:00:00.000Z","eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"calls","arn":"arn:aws:s3:::calls"},"object":{"key":"team+a/%C3%A9t%C3%A9.m4a","size":1024,"eTag":"\"d41d8cd98f00b204e9800998ecf8427e-2\"","versionId":"3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY","sequencer":"0055AED6DCD90281E5"}}}]}`

func TestParseS3Event(t *testing.T) {
	ev, err := ParseS3Event([]byte(minioEvent))
	if err != nil {
		t.Fatal(err)
	}
	r := &ev.Records[0]
	if k, _ := r.Key(); k != "2026/11/call 0001.mp3" || !r.Created() || r.S3.Bucket.Name != "audio" {
		t.Fatalf("minio record: key %q created %v bucket %q", k, r.Created(), r.S3.Bucket.Name)
	}
	if r.Version() != "e9b2cf535f27731c974343645a3985328" {
		t.Fatalf("version %q", r.Version())
	}
	ev, err = ParseS3Event([]byte(awsEvent))
	if err != nil {
		t.Fatal(err)
	}
	r = &ev.Records[0]
	if k, _ := r.Key(); k != "team a/été.m4a" || !r.Created() || r.Version() != "v3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" {
		t.Fatalf("aws record: key %q created %v version %q", k, r.Created(), r.Version())
	}

	bad := map[string]string{
		"not json":         `secret payload`,
		"no records":       `{"EventName":"s3:ObjectCreated:Put"}`,
		"records not list": `{"Records":{"a":1}}`,
		"no key":           `{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"a"},"object":{}}}]}`,
		"bad escape":       `{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"a"},"object":{"key":"%zz"}}}]}`,
		"key too long":     `{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"a"},"object":{"key":"` + strings.Repeat("k", 1025) + `"}}}]}`,
		"too big":          `{"Records":[` + strings.Repeat(" ", MaxS3EventBytes) + `]}`,
	}
	for name, in := range bad {
		_, err := ParseS3Event([]byte(in))
		if !errors.Is(err, ErrNotS3Event) {
			t.Errorf("%s: %v, want ErrNotS3Event", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error echoes the payload: %v", name, err)
		}
	}
}

func TestJobFor(t *testing.T) {
	u := NewUploads(nil, Config{}, UploadsConfig{Exclude: []string{"*/tmp/*"}}, nil, nil)
	rec := func(event, bucket, key string, meta map[string]string) *S3Record {
		var r S3Record
		r.EventName = event
		r.S3.Bucket.Name = bucket
		r.S3.Object.Key = key
		r.S3.Object.ETag = "abc"
		r.S3.Object.UserMetadata = meta
		return &r
	}
	j, o := u.JobFor(rec("s3:ObjectCreated:Put", "audio", "2026/11/call+0001.mp3", nil))
	if j == nil {
		t.Fatalf("no job: %s", o)
	}
	if j.Audio.Bucket != "audio" || j.Audio.Key != "2026/11/call 0001.mp3" ||
		j.Output.Bucket != "audio" || j.Output.Prefix != "2026/11/call 0001.mp3" ||
		strings.Join(j.Output.Formats, ",") != "json,txt,srt,vtt" {
		t.Fatalf("job %+v output %+v", j, j.Output)
	}
	if err := j.Validate(); err != nil {
		t.Fatalf("the job does not validate: %v", err)
	}
	var meta map[string]map[string]any
	if err := json.Unmarshal(j.Metadata, &meta); err != nil || meta["upload"]["key"] != "2026/11/call 0001.mp3" {
		t.Fatalf("metadata %s", j.Metadata)
	}
	// Same upload, same job; another version, another job.
	j2, _ := u.JobFor(rec("s3:ObjectCreated:Copy", "audio", "2026/11/call+0001.mp3", nil))
	r3 := rec("s3:ObjectCreated:Put", "audio", "2026/11/call+0001.mp3", nil)
	r3.S3.Object.ETag = "def"
	j3, _ := u.JobFor(r3)
	if j2.ID != j.ID || j3.ID == j.ID {
		t.Fatalf("ids %s %s %s", j.ID, j2.ID, j3.ID)
	}

	for name, tc := range map[string]struct {
		r    *S3Record
		want UploadOutcome
	}{
		"removed":          {rec("s3:ObjectRemoved:Delete", "audio", "a.mp3", nil), UploadNotCreated},
		"transcript":       {rec("s3:ObjectCreated:Put", "audio", "2026/11/call.mp3.srt", nil), UploadOwnOutput},
		"marked by worker": {rec("s3:ObjectCreated:Put", "audio", "x.mp3", map[string]string{"X-Amz-Meta-Xdna-Output-Of": "j1"}), UploadOwnOutput},
		"excluded":         {rec("s3:ObjectCreated:Put", "audio", "in/tmp/x.mp3", nil), UploadFiltered},
	} {
		if j, o := u.JobFor(tc.r); j != nil || o != tc.want {
			t.Errorf("%s: job %v outcome %q, want %q", name, j, o, tc.want)
		}
	}

	// With an output prefix in the same bucket, files under it are ours.
	u = NewUploads(nil, Config{}, UploadsConfig{OutputPrefix: "transcripts/"}, nil, nil)
	if j, o := u.JobFor(rec("s3:ObjectCreated:Put", "audio", "transcripts/call.mp3.data", nil)); j != nil || o != UploadOwnOutput {
		t.Errorf("under the output prefix: %v %q", j, o)
	}
	u = NewUploads(nil, Config{}, UploadsConfig{Include: []string{"audio/*.m4a"}}, nil, nil)
	if j, _ := u.JobFor(rec("s3:ObjectCreated:Put", "audio", "a/b.m4a", nil)); j == nil {
		t.Error("include pattern did not match")
	}
	if j, o := u.JobFor(rec("s3:ObjectCreated:Put", "audio", "a/b.mp3", nil)); j != nil || o != UploadFiltered {
		t.Errorf("outside the include pattern: %v %q", j, o)
	}
}

func TestUploadJobID(t *testing.T) {
	long := strings.Repeat("é", 300) + ".mp3"
	for _, key := range []string{"a.mp3", "2026/11/call 0001.mp3", long, "dir/", "x.y.z", "..", "\x00"} {
		id := UploadJobID("bucket", key, "e1")
		if !job.ValidID(id) || strings.Contains(id, ".") {
			t.Errorf("key %q: id %q is not a valid job id", key, id)
		}
		if id != UploadJobID("bucket", key, "e1") || id == UploadJobID("bucket", key, "e2") || id == UploadJobID("other", key, "e1") {
			t.Errorf("key %q: id not a function of bucket, key and version", key)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "anything/at/all", true},
		{"audio/*", "audio/2026/11/x.mp3", true},
		{"audio/*", "other/x.mp3", false},
		{"*.m4a", "a/b/c.m4a", true},
		{"*.m4a", "a/b/c.m4a.json", false},
		{"a?c", "abc", true},
		{"a?c", "abbc", false},
		{"*/tmp/*", "b/tmp/x", true},
		{"", "", true},
		{"", "a", false},
	} {
		if got := globMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

// FuzzParseS3Event: no panic, and an accepted event has records whose keys
// decode.
func FuzzParseS3Event(f *testing.F) {
	f.Add([]byte(minioEvent))
	f.Add([]byte(awsEvent))
	f.Add([]byte(`{"Records":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseS3Event(b)
		if err != nil {
			if !errors.Is(err, ErrNotS3Event) {
				t.Fatalf("error %v is not ErrNotS3Event", err)
			}
			return
		}
		u := NewUploads(nil, Config{}, UploadsConfig{}, nil, nil)
		for i := range ev.Records {
			if _, err := ev.Records[i].Key(); err != nil {
				t.Fatalf("accepted record %d with a bad key", i)
			}
			if j, _ := u.JobFor(&ev.Records[i]); j != nil && j.Validate() != nil {
				t.Fatalf("record %d makes an invalid job: %v", i, j.Validate())
			}
		}
	})
}
