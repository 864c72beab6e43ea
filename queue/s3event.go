package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// S3 bucket notifications: the event shape shared by AWS S3 and MinIO
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).

// ErrNotS3Event reports a message on the uploads subject that is not an S3
// event notification.
var ErrNotS3Event = errors.New("not an S3 event notification")

// Limits on S3 event notifications.
const (
	// MaxS3EventBytes bounds the size of one notification.
	MaxS3EventBytes = 1 << 20
	// MaxS3EventRecords bounds the records of one notification.
	MaxS3EventRecords = 1000
	// maxS3Key is S3's own limit on a key, in bytes.
	maxS3Key = 1024
)

// S3Event is a bucket notification: one or more records.
type S3Event struct {
	// EventName is MinIO's top-level event name (AWS leaves it empty).
	EventName string     `json:"EventName,omitempty"`
	Records   []S3Record `json:"Records"`
}

// S3Record is one object event.
type S3Record struct {
	EventName string `json:"eventName"` // e.g. s3:ObjectCreated:Put (AWS: ObjectCreated:Put)
	EventTime string `json:"eventTime,omitempty"`
	S3        struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key          string            `json:"key"` // URL-encoded
			Size         int64             `json:"size,omitempty"`
			ETag         string            `json:"eTag,omitempty"`
			VersionID    string            `json:"versionId,omitempty"`
			Sequencer    string            `json:"sequencer,omitempty"`
			UserMetadata map[string]string `json:"userMetadata,omitempty"` // MinIO only
		} `json:"object"`
	} `json:"s3"`
}

// ParseS3Event decodes a notification and checks every record's bucket and
// key. It returns an error wrapping ErrNotS3Event for anything else.
func ParseS3Event(data []byte) (*S3Event, error) {
	if len(data) > MaxS3EventBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrNotS3Event, len(data), MaxS3EventBytes)
	}
	var ev S3Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotS3Event, jsonErrorWithoutInput(err))
	}
	switch {
	case ev.Records == nil:
		return nil, fmt.Errorf("%w: no Records", ErrNotS3Event)
	case len(ev.Records) > MaxS3EventRecords:
		return nil, fmt.Errorf("%w: %d records, more than %d", ErrNotS3Event, len(ev.Records), MaxS3EventRecords)
	}
	for i := range ev.Records {
		r := &ev.Records[i]
		if r.EventName == "" || r.S3.Bucket.Name == "" || r.S3.Object.Key == "" {
			return nil, fmt.Errorf("%w: record %d lacks eventName, s3.bucket.name or s3.object.key", ErrNotS3Event, i)
		}
		k, err := r.Key()
		if err != nil {
			return nil, fmt.Errorf("%w: record %d: %v", ErrNotS3Event, i, err)
		}
		if len(k) > maxS3Key || !utf8.ValidString(k) {
			return nil, fmt.Errorf("%w: record %d: the key is not a valid S3 key", ErrNotS3Event, i)
		}
	}
	return &ev, nil
}

// Created reports whether the record announces a new object
// (s3:ObjectCreated:*, or ObjectCreated:* as AWS's EventBridge-less
// notifications name it).
func (r *S3Record) Created() bool {
	n := strings.TrimPrefix(r.EventName, "s3:")
	return strings.HasPrefix(n, "ObjectCreated:")
}

// Key returns the object key, URL-decoded (S3 and MinIO encode it as a
// query component: "+" for a space).
func (r *S3Record) Key() (string, error) {
	k, err := url.QueryUnescape(r.S3.Object.Key)
	if err != nil {
		return "", fmt.Errorf("the object key is not URL-encoded properly")
	}
	return k, nil
}

// Version is what tells two uploads to the same key apart (see
// UploadVersion).
func (r *S3Record) Version() string { return UploadVersion(r.S3.Object.ETag, r.S3.Object.VersionID) }

// UploadVersion is the version id of an object when its bucket is
// versioned ("v" + id), else its ETag without quotes ("e" + etag).
func UploadVersion(etag, versionID string) string {
	if versionID != "" && versionID != "null" {
		return "v" + versionID
	}
	return "e" + strings.Trim(etag, `"`)
}

// jsonErrorWithoutInput keeps the position of a JSON syntax error but none
// of the offending bytes.
func jsonErrorWithoutInput(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s has the wrong type", te.Field)
	}
	return "invalid JSON"
}
