package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/notification"

	"github.com/xdna-worker/xdna-worker/job"
)

// NotifyUploads makes bucket announce every created object (s3:ObjectCreated:*)
// to the notification target arn, e.g. "arn:minio:sqs::XDNA:nats" for a
// MinIO server started with MINIO_NOTIFY_NATS_ENABLE_XDNA=on. Other
// notification rules of the bucket are kept; one for arn already there is
// not added twice.
func (c *Client) NotifyUploads(ctx context.Context, bucket, arn string) error {
	what := "s3://" + bucket
	a, err := notification.NewArnFromString(arn)
	if err != nil {
		return fmt.Errorf("storage: notification target %q: %w", arn, err)
	}
	cfg, err := c.mc.GetBucketNotification(ctx, bucket)
	if err != nil {
		return c.fail(ctx, "notify", what, classify(err, job.CodeInvalidJob))
	}
	for _, q := range cfg.QueueConfigs {
		if q.Queue == arn {
			return nil
		}
	}
	qc := notification.NewConfig(a)
	qc.AddEvents(notification.ObjectCreatedAll)
	cfg.AddQueue(qc)
	// A MinIO server registers its notification targets after it starts
	// answering, so a target it was started with may not exist yet: it
	// answers InvalidArgument ("destination ARN does not exist") for a
	// while. Retry that (the ARN's syntax was checked above) for up to
	// targetWait, then give up with the error.
	deadline := time.Now().Add(targetWait)
	for {
		err := c.mc.SetBucketNotification(ctx, bucket, cfg)
		if err == nil {
			return nil
		}
		if minio.ToErrorResponse(err).Code != "InvalidArgument" || time.Now().After(deadline) {
			return c.fail(ctx, "notify", what, classify(err, job.CodeInvalidJob))
		}
		select {
		case <-ctx.Done():
			return c.fail(ctx, "notify", what, classify(err, job.CodeInvalidJob))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// targetWait bounds how long NotifyUploads waits for MinIO to register
// the notification target.
const targetWait = 30 * time.Second

// ObjectInfo is what Stat tells of an object.
type ObjectInfo struct {
	Size      int64
	ETag      string // without quotes
	VersionID string // empty for an unversioned bucket
}

// Stat returns an object's size, ETag and version.
func (c *Client) Stat(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	if err := validateObject(bucket, key); err != nil {
		return ObjectInfo{}, c.fail(ctx, "stat", "", err) // the error quotes the name
	}
	what := "s3://" + bucket + "/" + key
	info, err := c.mc.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, c.fail(ctx, "stat", what, classify(err, job.CodeAudioNotFound))
	}
	return ObjectInfo{Size: info.Size, ETag: info.ETag, VersionID: info.VersionID}, nil
}
