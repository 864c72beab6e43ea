package xdna

import "context"

// Owner is one holder of pool buffers: one delivery of a job. Buffers are
// attributed to an Owner, not to a job id, so two deliveries of the same
// job id (a redelivery, or a second message naming the same id) never
// reclaim or reuse each other's buffers. Owners compare by identity.
type Owner struct {
	job string
}

// NewOwner returns a new owner for one delivery of job (the id is kept for
// logs and for Held).
func NewOwner(job string) *Owner { return &Owner{job: job} }

// Job returns the job id the owner was made for.
func (o *Owner) Job() string {
	if o == nil {
		return ""
	}
	return o.job
}

type ownerKey struct{}

// WithOwner returns a context whose pool acquisitions are recorded as held
// by o, so that Reclaim(o) can find what o failed to release.
func WithOwner(ctx context.Context, o *Owner) context.Context {
	return context.WithValue(ctx, ownerKey{}, o)
}

// OwnerFrom returns the owner recorded by WithOwner or WithJob, or nil.
func OwnerFrom(ctx context.Context) *Owner {
	o, _ := ctx.Value(ownerKey{}).(*Owner)
	return o
}

// WithJob is WithOwner with a new owner for job id: each call is a distinct
// owner, however many share the id.
func WithJob(ctx context.Context, id string) context.Context {
	return WithOwner(ctx, NewOwner(id))
}

// JobFrom returns the job id of the context's owner, or "".
func JobFrom(ctx context.Context) string { return OwnerFrom(ctx).Job() }
