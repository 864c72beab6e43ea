package queue

import "time"

// SetRescuerRetry shortens the Rescuer's retries for tests.
func SetRescuerRetry(r *Rescuer, attempts int, delay time.Duration) {
	r.attempts = attempts
	r.retryDelay = func(int) time.Duration { return delay }
}
