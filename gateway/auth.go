package gateway

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// MaxAPIKeyBytes is the longest API key a keys file may hold.
const MaxAPIKeyBytes = 256

// APIKeys are the keys requests may present (Authorization: Bearer <key>),
// each with the tenant it stands for. The keys are kept only as SHA-256
// hashes; they are never printed or logged. The zero value holds no keys:
// requests need none.
type APIKeys struct {
	tenants map[[sha256.Size]byte]string
}

// ParseAPIKeys reads a keys file: one key per line, optionally followed by
// whitespace and a tenant name; blank lines and lines starting with '#' are
// ignored. A key without a tenant name stands for the tenant "key-" + the
// first 12 hex digits of its SHA-256. Errors name line numbers, never a
// line's content.
func ParseAPIKeys(data []byte) (APIKeys, error) {
	k := APIKeys{tenants: map[[sha256.Size]byte]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) > 2 {
			return APIKeys{}, fmt.Errorf("API keys file line %d: more than a key and a tenant name", n)
		}
		key := fields[0]
		if len(key) > MaxAPIKeyBytes {
			return APIKeys{}, fmt.Errorf("API keys file line %d: a key longer than %d bytes", n, MaxAPIKeyBytes)
		}
		sum := sha256.Sum256([]byte(key))
		tenant := "key-" + hex.EncodeToString(sum[:6])
		if len(fields) == 2 {
			tenant = fields[1]
			if !validModel(tenant) { // the same short, plain grammar
				return APIKeys{}, fmt.Errorf("API keys file line %d: tenant name must be 1–%d characters of [A-Za-z0-9._:-]", n, MaxModelBytes)
			}
		}
		if _, dup := k.tenants[sum]; dup {
			return APIKeys{}, fmt.Errorf("API keys file line %d: a key given twice", n)
		}
		k.tenants[sum] = tenant
	}
	if err := sc.Err(); err != nil {
		return APIKeys{}, fmt.Errorf("API keys file: %w", err)
	}
	if len(k.tenants) == 0 {
		return APIKeys{}, fmt.Errorf("API keys file holds no key")
	}
	return k, nil
}

// UnmarshalText parses the content of a keys file (see ParseAPIKeys).
func (k *APIKeys) UnmarshalText(data []byte) error {
	p, err := ParseAPIKeys(data)
	if err != nil {
		return err
	}
	*k = p
	return nil
}

// Len is the number of keys.
func (k APIKeys) Len() int { return len(k.tenants) }

// String says how many keys there are, never which.
func (k APIKeys) String() string { return fmt.Sprintf("%d API keys", k.Len()) }

// identity is who a request comes from: the hash of its key (the limiter's
// key) and its tenant. The zero identity is an anonymous request.
type identity struct {
	key    [sha256.Size]byte
	tenant string
}

// authenticate returns the identity of r. Without keys every request is
// anonymous; with keys a request without a known bearer key is a 401.
func (k APIKeys) authenticate(r *http.Request) (identity, error) {
	if k.Len() == 0 {
		return identity{}, nil
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	bearer = strings.TrimSpace(bearer)
	if !ok || bearer == "" || len(bearer) > MaxAPIKeyBytes {
		return identity{}, newError(http.StatusUnauthorized, TypeInvalidRequest, CodeInvalidAPIKey, "",
			"You didn't provide a valid API key: send it as 'Authorization: Bearer <key>'.")
	}
	sum := sha256.Sum256([]byte(bearer))
	tenant, ok := k.tenants[sum]
	if !ok {
		return identity{}, newError(http.StatusUnauthorized, TypeInvalidRequest, CodeInvalidAPIKey, "", "Incorrect API key provided.")
	}
	return identity{key: sum, tenant: tenant}, nil
}

// limiter bounds the requests in flight per API key.
type limiter struct {
	max      int
	mu       sync.Mutex
	inFlight map[[sha256.Size]byte]int
}

func newLimiter(max int) *limiter {
	return &limiter{max: max, inFlight: map[[sha256.Size]byte]int{}}
}

// acquire takes a slot of key and returns its release, or a 429 when the
// key has max requests in flight. It never waits.
func (l *limiter) acquire(key [sha256.Size]byte) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight[key] >= l.max {
		return nil, newError(http.StatusTooManyRequests, TypeRateLimit, CodeRateLimitExceeded, "",
			fmt.Sprintf("Rate limit reached: at most %d concurrent requests per API key.", l.max))
	}
	l.inFlight[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.inFlight[key]--; l.inFlight[key] == 0 {
				delete(l.inFlight, key)
			}
		})
	}, nil
}
