package storage

import (
	"context"

	"github.com/minio/minio-go/v7"

	"github.com/xdna-worker/xdna-worker/job"
)

// Remove deletes bucket/key. Removing an object that does not exist is not
// an error (S3's DeleteObject succeeds). Errors are classified as for Put.
func (c *Client) Remove(ctx context.Context, bucket, key string) error {
	if err := validateObject(bucket, key); err != nil {
		return c.fail(ctx, "remove", "", err) // the error quotes the name
	}
	if err := c.mc.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return c.fail(ctx, "remove", "s3://"+bucket+"/"+key, classify(err, job.CodeInvalidJob))
	}
	return nil
}
