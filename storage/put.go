package storage

import (
	"context"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/xdna-worker/xdna-worker/job"
)

// unknownSizePartSize is the multipart part size for uploads of unknown
// size. minio-go would otherwise size parts for a 5 TiB object (about
// 537 MiB, buffered in memory per part); 16 MiB parts allow objects up to
// 160 GiB, far beyond any transcript.
const unknownSizePartSize = 16 << 20

// Put uploads size bytes from r as bucket/key with the given content type.
// A negative size means unknown: the upload is then streamed in 16 MiB
// parts. The bucket must exist (see EnsureBucket).
//
// Errors are classified as for Fetch, except that a missing bucket or denied
// access is job.CodeInvalidJob: the job named an output location the worker
// cannot write to.
func (c *Client) Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string, opts ...PutOption) error {
	if err := validateObject(bucket, key); err != nil {
		return c.fail(ctx, "put", "", err) // the error quotes the name
	}
	po := minio.PutObjectOptions{ContentType: contentType}
	for _, o := range opts {
		o(&po)
	}
	if size < 0 {
		size = -1
		po.PartSize = unknownSizePartSize
	}
	if _, err := c.mc.PutObject(ctx, bucket, key, r, size, po); err != nil {
		return c.fail(ctx, "put", "s3://"+bucket+"/"+key, classify(err, job.CodeInvalidJob))
	}
	return nil
}

// PutOption adjusts an upload.
type PutOption func(*minio.PutObjectOptions)

// WithMetadata sets user metadata (x-amz-meta-*) on the object.
func WithMetadata(kv map[string]string) PutOption {
	return func(o *minio.PutObjectOptions) {
		if o.UserMetadata == nil {
			o.UserMetadata = map[string]string{}
		}
		for k, v := range kv {
			o.UserMetadata[k] = v
		}
	}
}
